/**
 * The WeChat callback endpoint: GET for the server check in WeChat's admin console, POST for messages.
 * Protocol work (signatures, crypto, XML) happens here; what to answer is the follower's Durable Object's business.
 */
import { Hono } from "hono";
import type { AppEnv, Config } from "../config";
import { configOrResponse, type AppContext } from "./account-config";
import { DEFAULT_ACCOUNT, followerObjectName } from "../accounts";
import { describeError, hashOpenid, log, withLogFields } from "../log";
import { encryptReplyXml, passiveReplyXml } from "../wechat/reply";
import { isFreshTimestamp } from "../wechat/freshness";
import { isValidSignature } from "../wechat/signature";
import { acceptCallback, type AcceptedCallback } from "./inbound";
import { healthRoutes } from "./health-route";

function randomNonce(): string {
  return String(crypto.getRandomValues(new Uint32Array(1))[0]);
}

/** Builds the HTTP answer for a passive reply text ("" = `success`, nothing shown; TRANSFER_REPLY: to the staff). */
async function passiveResponse(c: AppContext, config: Config, callback: AcceptedCallback, text: string): Promise<Response> {
  if (text === "") return c.text("success");
  const nowSeconds = Math.floor(Date.now() / 1000);
  const xml = passiveReplyXml(callback.message, text, nowSeconds);
  if (!callback.cipher) return c.body(xml, 200, { "content-type": "application/xml; charset=utf-8" });
  const sealed = await encryptReplyXml(callback.cipher, config.wechat.token, xml, nowSeconds, randomNonce());
  return c.body(sealed, 200, { "content-type": "application/xml; charset=utf-8" });
}

/**
 * Hands the message to the follower's Durable Object. If the object is reset under the call (a deploy, a crash), the
 * call is made once more: the new instance finds the stored message and carries on. Only when that fails too does
 * the follower get the failure text (WeChat must still get a 200).
 */
async function askSession(env: AppEnv, accepted: AcceptedCallback, config: Config, origin: string): Promise<string> {
  const name = followerObjectName(config.account, accepted.message.fromUser);
  for (let attempt = 1; ; attempt++) {
    try {
      // A fresh stub each time: one that saw its object reset stays broken.
      return await env.FOLLOWER_SESSION.getByName(name).receive(accepted.message, config.account, origin);
    } catch (error) {
      log.error("session_unreachable", { attempt, ...describeError(error) });
      if (attempt >= 2) return config.texts.failure;
    }
  }
}

/** The server check in WeChat's console: echo `echostr` when the signature over the account's token is right. */
async function verify(c: AppContext, account: string): Promise<Response> {
  const config = configOrResponse(c, account);
  if (config instanceof Response) return config;
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
}

/** A message callback for the account: verified, handed to the follower's object, answered passively. */
async function callback(c: AppContext, account: string): Promise<Response> {
  const config = configOrResponse(c, account);
  if (config instanceof Response) return config;
  const accepted = await acceptCallback(c.req.raw, config);
  if (!accepted.ok) {
    log.warn("callback_refused", { status: accepted.status, reason: accepted.reason });
    return c.text(accepted.status === 500 ? "not configured" : "refused", accepted.status);
  }
  if (config.ownerRules.blockedOpenids.has(accepted.message.fromUser)) {
    // BLOCKED_OPENIDS: acknowledged, and nothing reaches the follower's object (no row, no Dify call).
    log.info("blocked", { user: await hashOpenid(accepted.message.fromUser) });
    return c.text("success");
  }
  return passiveResponse(c, config, accepted, await askSession(c.env, accepted, config, new URL(c.req.url).origin));
}

/** Every line logged while handling the request names the account. */
const forAccount = (c: AppContext, account: string, handle: (c: AppContext, account: string) => Promise<Response>) =>
  withLogFields({ account }, () => handle(c, account));

/** The `/wechat` routes: the default account at `/wechat`, each account ACCOUNTS names at `/wechat/<name>`. */
export const wechatRoutes = new Hono<{ Bindings: AppEnv }>();

// The self-check first: `/:account` would otherwise take `/health` for an account's name.
wechatRoutes.route("/", healthRoutes);
wechatRoutes.get("/", (c) => forAccount(c, DEFAULT_ACCOUNT, verify));
wechatRoutes.post("/", (c) => forAccount(c, DEFAULT_ACCOUNT, callback));
wechatRoutes.get("/:account", (c) => forAccount(c, c.req.param("account"), verify));
wechatRoutes.post("/:account", (c) => forAccount(c, c.req.param("account"), callback));
