/**
 * `npm run simulate -- --self-test`: checks the simulator itself, offline. Its crypto must reproduce wechatpy's
 * published vectors and agree with the wechat-crypto package at every padding length; its XML must survive hostile
 * text; its reply checks must refuse what WeChat refuses; and its timing must match WeChat's (checked against a
 * local server with a shortened cut-off, so the whole run takes a few seconds).
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { actionFromLine, actionsFromFlags } from "./actions";
import { readPassiveReply, signCallback, type AccountSettings } from "./callback";
import { CallbackCipher, CallbackCryptoError, wechatSignature } from "./callback-crypto";
import { deliverLikeWechat } from "./deliver";
import { buildFlatXml, parseFlatXml } from "./flat-xml";
import { actionXml } from "./messages";
import { resolveSettings, type SettingSources } from "./settings";
import {
  AES_KEY,
  WECHATPY_APP_ID,
  WECHATPY_ECHO,
  WECHATPY_RANDOM,
  WECHATPY_REPLY_ENCRYPT,
  WECHATPY_REPLY_XML,
} from "../../test/support/wechatpy-vectors";

const RANDOM = Buffer.from(WECHATPY_RANDOM);
const APP_ID = "wx0123456789abcdef";
const SAFE: AccountSettings = { token: "self-test-token", mode: "safe", encodingAesKey: AES_KEY, appId: APP_ID, ghId: "gh_self_test" };
const OPENID = "o-self-test";

type Check = [name: string, run: () => void | Promise<void>];

const checks: Check[] = [
  ["signature matches wechatpy's plain vector (token test)", () => {
    assert.equal(wechatSignature(["test", "1410685589", "test"]), "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff");
  }],
  ["msg_signature matches wechatpy's safe-mode vector", () => {
    assert.equal(wechatSignature(["123456", "1411443780", "437374425", WECHATPY_ECHO]), "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96");
  }],
  ["decrypts wechatpy's echo string", () => {
    assert.equal(new CallbackCipher(AES_KEY, WECHATPY_APP_ID).decrypt(WECHATPY_ECHO), "5927782489442352469");
  }],
  ["encrypts wechatpy's reply to the published ciphertext", () => {
    assert.equal(new CallbackCipher(AES_KEY, WECHATPY_APP_ID).encrypt(WECHATPY_REPLY_XML, RANDOM), WECHATPY_REPLY_ENCRYPT);
  }],
  ["refuses a payload sealed for another AppID", () => {
    assert.throws(() => new CallbackCipher(AES_KEY, APP_ID).decrypt(WECHATPY_ECHO), (e: unknown) => e instanceof CallbackCryptoError && e.reason === "bad-appid");
  }],
  ["agrees with the wechat-crypto package at every padding length 1..32", () => {
    const require = createRequire(import.meta.url);
    const WXBizMsgCrypt = require("wechat-crypto") as new (token: string, key: string, id: string) => {
      decrypt(text: string): { message: string; id: string };
    };
    const peer = new WXBizMsgCrypt("t", AES_KEY, APP_ID);
    const ours = new CallbackCipher(AES_KEY, APP_ID);
    const pads = new Set<number>();
    for (let length = 0; length < 64; length++) {
      const message = "微".repeat(length % 3) + "m".repeat(length);
      const sealed = ours.encrypt(message);
      const opened = ours.open(sealed);
      pads.add(opened.pad);
      assert.equal(opened.message, message);
      assert.deepEqual(peer.decrypt(sealed), { message, id: APP_ID });
    }
    assert.equal(pads.size, 32, "every pad length 1..32 was exercised");
  }],
  ["flat XML keeps ]]>, </Content>, entities and empty fields", () => {
    const hostile = "a ]]> b </Content> <x> & 微信";
    const xml = buildFlatXml([["Content", hostile], ["CreateTime", 1700000000], ["Empty", ""]]);
    assert.deepEqual(parseFlatXml(xml), { Content: hostile, CreateTime: "1700000000", Empty: "" });
    assert.deepEqual(parseFlatXml("<xml><A>x &lt;y&gt; &amp;#1;</A><B/></xml>"), { A: "x <y> &#1;", B: "" });
  }],
  ["a signed safe-mode callback carries msg_signature over Encrypt and decrypts to the message", () => {
    const xml = actionXml({ kind: "text", content: "你好" }, { openid: OPENID, account: SAFE.ghId, createTime: 1700000000, msgId: "1" });
    const signed = signCallback("http://127.0.0.1:1/wechat", xml, OPENID, SAFE);
    const q = new URL(signed.url).searchParams;
    const encrypt = parseFlatXml(signed.body)["Encrypt"] ?? "";
    assert.equal(q.get("encrypt_type"), "aes");
    assert.equal(q.get("signature"), wechatSignature([SAFE.token, q.get("timestamp") ?? "", q.get("nonce") ?? ""]));
    assert.equal(q.get("msg_signature"), wechatSignature([SAFE.token, q.get("timestamp") ?? "", q.get("nonce") ?? "", encrypt]));
    assert.match(q.get("timestamp") ?? "", /^\d{10}$/);
    assert.equal(new CallbackCipher(AES_KEY, APP_ID).decrypt(encrypt), xml);
    assert.equal(parseFlatXml(signed.body)["MsgType"], undefined, "safe mode sends no clear fields");
  }],
  ["reads a valid encrypted reply and refuses the ones WeChat refuses", () => {
    const good = replyEnvelope("答案 ]]> ok", 1700000000);
    assert.deepEqual(pick(readPassiveReply(good, OPENID, SAFE)), { kind: "text", text: "答案 ]]> ok" });
    assert.equal(readPassiveReply("success", OPENID, SAFE).kind, "none");
    assert.equal(readPassiveReply("", OPENID, SAFE).kind, "none");
    assert.match(problem(replyEnvelope("x", 1700000000123)), /seconds/);
    assert.match(problem(replyEnvelope("x", 1700000000, "other-token")), /MsgSignature/);
    assert.match(problem(replyEnvelope("x", 1700000000, SAFE.token, "wx0000000000000000")), /AppID/);
    assert.match(problem(replyEnvelope("x", 1700000000, SAFE.token, APP_ID, "someone-else")), /ToUserName/);
    assert.match(problem(plainReply("x")), /plaintext/);
    assert.equal(readPassiveReply(plainReply("x"), OPENID, { ...SAFE, mode: "plain" }).kind, "text");
  }],
  ["command-line and REPL input become the right actions", () => {
    assert.deepEqual(actionsFromFlags({}, ["a", "b"]), [{ kind: "text", content: "a" }, { kind: "text", content: "b" }]);
    assert.deepEqual(actionsFromFlags({ event: "CLICK", key: "K" }, []), [{ kind: "event", event: "CLICK", key: "K" }]);
    assert.deepEqual(actionsFromFlags({ voice: true }, ["听写"]), [{ kind: "voice", recognition: "听写" }]);
    assert.throws(() => actionsFromFlags({ image: "u", link: "v" }, []));
    assert.deepEqual(actionFromLine(":location 39.9,116.4,天安门"), { kind: "location", latitude: 39.9, longitude: 116.4, label: "天安门" });
    assert.equal(actionFromLine(":quit"), "quit");
    assert.equal(actionFromLine("   "), undefined);
  }],
  ["--account shop talks to /wechat/shop with SHOP_ settings and ACCOUNTS' AppID, never the default account's", () => {
    const sources = fakeSources({
      env: { WECHAT_TOKEN: "default-token", SHOP_WECHAT_TOKEN: "shop-token" },
      devVars: { SHOP_WECHAT_ENCODING_AES_KEY: AES_KEY, ACCOUNTS: '{"shop": {"WECHAT_APP_ID": "wx00000000000005a0"}, "my-clinic": {}}' },
    });
    const shop = resolveSettings({ account: "shop" }, sources);
    assert.equal(shop.target, "http://127.0.0.1:8787/wechat/shop");
    assert.deepEqual([shop.token, shop.encodingAesKey, shop.appId, shop.mode], ["shop-token", AES_KEY, "wx00000000000005a0", "safe"]);
    assert.deepEqual(shop.origins, [
      "token from environment (SHOP_WECHAT_TOKEN)",
      "EncodingAESKey from .dev.vars (SHOP_WECHAT_ENCODING_AES_KEY)",
      "AppID from .dev.vars (ACCOUNTS.shop.WECHAT_APP_ID)",
    ]);
    for (const base of ["https://bot.example.com", "https://bot.example.com/wechat/", "https://bot.example.com/wechat/clinic"]) {
      assert.equal(resolveSettings({ account: "shop", url: base }, sources).target, "https://bot.example.com/wechat/shop");
    }
    assert.equal(resolveSettings({ account: "shop", token: "flag-token" }, sources).token, "flag-token", "a flag wins");
    assert.equal(resolveSettings({}, sources).token, "default-token");
    assert.equal(resolveSettings({ account: "default", url: "http://h/wechat/shop" }, sources).target, "http://h/wechat");
    assert.throws(() => resolveSettings({ account: "my-clinic" }, sources), /MY_CLINIC_WECHAT_TOKEN/, "no fallback to WECHAT_TOKEN");
    assert.throws(() => resolveSettings({ account: "Shop" }, sources), /not an account name/);
  }],
  ["--account shop takes the running demo's settings for /wechat/shop only", () => {
    const shopDemo = { token: "demo-shop-token", encodingAesKey: AES_KEY, appId: APP_ID, wechatApi: "http://127.0.0.1:1", cs: false };
    const sources = fakeSources({
      demo: (target, account) => (account === "shop" && target === "http://127.0.0.1:8787/wechat/shop" ? shopDemo : undefined),
    });
    assert.equal(resolveSettings({ account: "shop" }, sources).token, "demo-shop-token");
    assert.throws(() => resolveSettings({}, sources), /no WeChat token: .*WECHAT_TOKEN/);
  }],
  ["retries a held request after the cut-off, byte-identical, and takes request 2's reply", async () => {
    const seen: string[] = [];
    await withServer(async (req, body) => {
      seen.push(`${req.url ?? ""}\n${body}`);
      if (seen.length === 1) await sleep(600); // longer than the 300 ms cut-off used here
      return { status: 200, body: replyEnvelope(`reply to request ${seen.length}`, Math.floor(Date.now() / 1000)) };
    }, async (url) => {
      const xml = actionXml({ kind: "text", content: "hi" }, { openid: OPENID, account: SAFE.ghId, createTime: 1700000000, msgId: "2" });
      const result = await deliverLikeWechat(signCallback(url, xml, OPENID, SAFE), OPENID, SAFE, { timeoutMs: 300 });
      assert.equal(result.request, 2);
      assert.deepEqual(pick(result.reply), { kind: "text", text: "reply to request 2" });
      assert.deepEqual(result.events.map((e) => e.type), ["sent", "timeout", "sent", "answered"]);
    });
    assert.equal(seen.length, 2);
    assert.equal(seen[0], seen[1], "the retry is byte-identical");
  }],
  ["retries a fast non-200 at once, stops after 3 requests, and reports no 200", async () => {
    let count = 0;
    await withServer(async () => {
      count += 1;
      return { status: 500, body: "oops" };
    }, async (url) => {
      const started = Date.now();
      const result = await deliverLikeWechat(signCallback(url, "<xml/>", OPENID, { ...SAFE, mode: "plain" }), OPENID, SAFE, { timeoutMs: 5000 });
      assert.equal(result.request, undefined);
      assert.equal(count, 3);
      assert.ok(Date.now() - started < 4000, "fast failures are not waited out");
    });
  }],
];

/** Runs every check; prints `ok`/`not ok` lines and resolves true when all passed. */
export async function runSelfTest(say: (line: string) => void): Promise<boolean> {
  let failed = 0;
  for (const [name, run] of checks) {
    try {
      await run();
      say(`ok - ${name}`);
    } catch (error) {
      failed += 1;
      say(`not ok - ${name}\n  ${error instanceof Error ? error.message.split("\n").join("\n  ") : String(error)}`);
    }
  }
  say(failed === 0 ? `self-test: all ${checks.length} checks passed` : `self-test: ${failed} of ${checks.length} checks failed`);
  return failed === 0;
}

function replyEnvelope(content: string, timestamp: number, token = SAFE.token, appId = APP_ID, toUser = OPENID): string {
  const inner = buildFlatXml([["ToUserName", toUser], ["FromUserName", SAFE.ghId], ["CreateTime", 1700000000], ["MsgType", "text"], ["Content", content]]);
  const encrypt = new CallbackCipher(AES_KEY, appId).encrypt(inner);
  const nonce = "12345";
  return buildFlatXml([["Encrypt", encrypt], ["MsgSignature", wechatSignature([token, String(timestamp), nonce, encrypt])], ["TimeStamp", timestamp], ["Nonce", nonce]]);
}

function plainReply(content: string): string {
  return buildFlatXml([["ToUserName", OPENID], ["FromUserName", SAFE.ghId], ["CreateTime", 1700000000], ["MsgType", "text"], ["Content", content]]);
}

function problem(raw: string): string {
  const reply = readPassiveReply(raw, OPENID, SAFE);
  assert.equal(reply.kind, "invalid", `expected a refusal, got ${reply.kind}`);
  return reply.kind === "invalid" ? reply.problem : "";
}

function pick(reply: ReturnType<typeof readPassiveReply> | undefined): unknown {
  return reply?.kind === "text" ? { kind: reply.kind, text: reply.text } : reply;
}

/** A throwaway server on 127.0.0.1 for the timing checks. */
async function withServer(
  handle: (req: IncomingMessage, body: string) => Promise<{ status: number; body: string }>,
  run: (url: string) => Promise<void>,
): Promise<void> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(req, Buffer.concat(chunks).toString("utf8")).then(({ status, body }) => {
        if (!res.destroyed) res.writeHead(status, { "content-type": "text/xml" }).end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await run(`http://127.0.0.1:${port}/wechat`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Setting sources made of fixed tables, so the resolution checks read nothing of this machine. */
function fakeSources(o: { env?: Record<string, string>; devVars?: Record<string, string>; demo?: SettingSources["demo"] }): SettingSources {
  return {
    env: (name) => o.env?.[name],
    devVars: (name) => o.devVars?.[name],
    wranglerToml: () => undefined,
    demo: o.demo ?? (() => undefined),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
