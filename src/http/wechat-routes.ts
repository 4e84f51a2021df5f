/**
 * The WeChat callback endpoint: GET for the server check in WeChat's admin console, POST for messages.
 * Protocol work (signatures, crypto, XML) happens here; what to answer is the follower's Durable Object's business.
 */
import { Hono, type Context } from "hono";
import { ConfigError, configFor, type AppEnv, type Config } from "../config";
import { describeError, log } from "../log";
import { encryptReplyXml, textReplyXml } from "../wechat/reply";
import { isFreshTimestamp } from "../wechat/freshness";
import { isValidSignature } from "../wechat/signature";
import { acceptCallback, type AcceptedCallback } from "./inbound";

type AppContext = Context<{ Bindings: AppEnv }>;

function configOrNull(c: AppContext): Config | null {
  try {
    return configFor(c.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      log.error("config", { problem: error.message });
      return null;
    }
    throw error;
  }
}

const notConfigured = (c: AppContext) => c.text("The worker is not configured: see its log.", 500);

function randomNonce(): string {
  return String(crypto.getRandomValues(new Uint32Array(1))[0]);
}

/** Builds the HTTP answer for a passive reply text ("" = `success`, nothing shown). */
async function passiveResponse(c: AppContext, config: Config, callback: AcceptedCallback, text: string): Promise<Response> {
  if (text === "") return c.text("success");
  const nowSeconds = Math.floor(Date.now() / 1000);
  const xml = textReplyXml(callback.message, text, nowSeconds);
  if (!callback.cipher) return c.body(xml, 200, { "content-type": "application/xml; charset=utf-8" });
  const sealed = await encryptReplyXml(callback.cipher, config.wechat.token, xml, nowSeconds, randomNonce());
  return c.body(sealed, 200, { "content-type": "application/xml; charset=utf-8" });
}

/**
 * Hands the message to the follower's Durable Object. If the object is reset under the call (a deploy, a crash), the
 * call is made once more: the new instance finds the stored message and carries on. Only when that fails too does
 * the follower get the failure text (WeChat must still get a 200).
 */
async function askSession(env: AppEnv, accepted: AcceptedCallback, config: Config): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await env.FOLLOWER_SESSION.getByName(accepted.message.fromUser).receive(accepted.message);
    } catch (error) {
      log.error("session_unreachable", { attempt, ...describeError(error) });
      if (attempt >= 2) return config.texts.failure;
    }
  }
}

/** The `/wechat` routes. */
export const wechatRoutes = new Hono<{ Bindings: AppEnv }>();

wechatRoutes.get("/", async (c) => {
  const config = configOrNull(c);
  if (!config) return notConfigured(c);
  const q = c.req.query();
  if (!(await isValidSignature(config.wechat.token, q))) {
    log.warn("verify_refused", { reason: "bad signature" });
    return c.text("forbidden", 403);
  }
  if (!isFreshTimestamp(q.timestamp)) {
    log.warn("verify_refused", { reason: "stale or malformed timestamp" });
    return c.text("forbidden", 403);
  }
  const echostr = q.echostr;
  if (echostr === undefined || echostr === "") return c.text("missing echostr", 400);
  return c.text(echostr);
});

wechatRoutes.post("/", async (c) => {
  const config = configOrNull(c);
  if (!config) return notConfigured(c);
  const accepted = await acceptCallback(c.req.raw, config);
  if (!accepted.ok) {
    log.warn("callback_refused", { status: accepted.status, reason: accepted.reason });
    return c.text(accepted.status === 500 ? "not configured" : "refused", accepted.status);
  }
  return passiveResponse(c, config, accepted, await askSession(c.env, accepted, config));
});
