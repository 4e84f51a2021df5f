/**
 * The message mix timed by the protocol benchmark: a short Chinese text, a ~1 KB text and a menu event, each sealed
 * twice so that one ciphertext has WeChat's pad length <= 16 and the other > 16 (the two cases a WebCrypto AES-CBC
 * port handles differently).
 */
import { BENCH_ACCOUNT, eventXml, padFor, sealCallback, textXml, type SealedCallback } from "../wechat-side.js";

/** One callback of the mix, with what both sides must find in it. */
export interface MixMessage {
  label: string;
  sealed: SealedCallback;
  /** UTF-8 bytes of the inner XML. */
  xmlBytes: number;
  /** The reply text both sides send back for it. */
  replyText: string;
}

const OPENID = "oBenchFollower0000000000001";
const CREATE_TIME = 1_760_000_000;
const SHORT = "你好，请问今天北京的天气怎么样？";
const PARAGRAPH = "微信公众号后台把用户的消息转发给开发者服务器，服务器在五秒内给出回答。";

/** About 1 KB of UTF-8: Chinese prose with some ASCII, as a long question looks. */
function kilobyteText(): string {
  let text = "Please summarise: ";
  while (Buffer.byteLength(text) < 1000) text += PARAGRAPH;
  return text;
}

type Build = (suffix: string) => string;

/** Grows `suffix` with ASCII digits until the sealed message's pad length falls in the wanted range. */
function withPad(build: Build, wantLong: boolean): { xml: string; pad: number } {
  for (let extra = 0; extra < 32; extra++) {
    const xml = build("7".repeat(extra));
    const pad = padFor(Buffer.byteLength(xml));
    if (wantLong ? pad > 16 : pad <= 16) return { xml, pad };
  }
  throw new Error("no suffix gives the wanted pad length");
}

/** Builds the six callbacks of the mix (fresh random prefix and nonce each time it is called). */
export function buildMix(): MixMessage[] {
  const kinds: Array<{ label: string; build: Build; replyText: string }> = [
    {
      label: "short text",
      build: (s) => textXml({ openid: OPENID, content: `${SHORT}${s}`, msgId: "7300000000000000001", createTime: CREATE_TIME }),
      replyText: "北京今天晴，最高气温二十六度，适合出门。",
    },
    {
      label: "1 KB text",
      build: (s) => textXml({ openid: OPENID, content: `${kilobyteText()}${s}`, msgId: "7300000000000000002", createTime: CREATE_TIME }),
      replyText: `总结：${PARAGRAPH}`,
    },
    {
      label: "CLICK event",
      build: (s) => eventXml({ openid: OPENID, event: "CLICK", eventKey: `MENU_HELP${s}`, createTime: CREATE_TIME }),
      replyText: "欢迎使用，直接发送问题即可。",
    },
  ];
  const mix: MixMessage[] = [];
  for (const kind of kinds) {
    for (const wantLong of [false, true]) {
      const { xml } = withPad(kind.build, wantLong);
      const sealed = sealCallback(xml, OPENID, CREATE_TIME);
      mix.push({
        label: `${kind.label}, pad ${sealed.pad}`,
        sealed,
        xmlBytes: Buffer.byteLength(xml),
        replyText: kind.replyText,
      });
    }
  }
  return mix;
}

export { BENCH_ACCOUNT };
