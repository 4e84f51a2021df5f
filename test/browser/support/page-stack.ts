/**
 * The worker as the browser tests meet it, on 127.0.0.1: the Dify and WeChat API stand-ins from test/support, and the
 * worker itself in wrangler's test harness (workerd, the real wrangler.toml, bundled as `wrangler dev` would), with
 * made-up credentials in safe mode. Questions go in as WeChat sends them (the simulator's own protocol code, WeChat's
 * timing); the answer page's link comes back in the passive reply. Runs in Node, outside the workers pool.
 */
import { createTestHarness } from "wrangler";
import { signCallback, type AccountSettings } from "../../../scripts/lib/callback";
import { deliverLikeWechat } from "../../../scripts/lib/deliver";
import { actionXml, freshMsgId } from "../../../scripts/lib/messages";
import { startMockDify, type MockServer } from "../../support/mock-dify";
import { startMockWechatApi } from "../../support/mock-wechat-api";

/** Made-up account settings (wechatpy's published test key), as WeChat's console would hold them. */
const ACCOUNT: AccountSettings = {
  token: "browser-test-token",
  mode: "safe",
  encodingAesKey: "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
  appId: "wx0123456789abcdef",
  ghId: "gh_browser_test",
};

/** A question's outcome: the reply WeChat shows and the answer page it links to. */
export interface Asked {
  reply: string;
  pageUrl: string;
}

/** The running worker and its stand-ins. */
export interface PageStack {
  /** The worker's origin, e.g. http://127.0.0.1:40123 */
  origin: string;
  /** Sends `question` from `openid` as WeChat would and returns the reply and its page link. */
  ask(openid: string, question: string): Promise<Asked>;
  close(): Promise<void>;
}

/** Starts the stand-ins and the worker (a second or two). */
export async function startPageStack(): Promise<PageStack> {
  const servers: MockServer[] = [];
  try {
    const dify = await startMockDify();
    servers.push(dify);
    const wechatApi = await startMockWechatApi();
    servers.push(wechatApi);
    const harness = createTestHarness({
      workers: [{
        configPath: "./wrangler.toml",
        vars: {
          WECHAT_APP_ID: ACCOUNT.appId,
          DIFY_API_BASE: dify.url,
          WECHAT_API_BASE: wechatApi.url,
          DIFY_APP_TYPE: "chat",
          ENABLE_CUSTOM_MESSAGE: "false",
          ANSWER_PAGE: "true",
          LANGUAGE: "en_US",
        },
        // Every secret given here, so a developer's .dev.vars (real keys) never reaches the tests.
        secrets: {
          WECHAT_TOKEN: ACCOUNT.token,
          WECHAT_ENCODING_AES_KEY: ACCOUNT.encodingAesKey ?? "",
          WECHAT_APP_SECRET: "browser-test-app-secret",
          DIFY_API_KEY: "app-test-key",
        },
      }],
    });
    const { url } = await harness.listen();
    const origin = url.origin;
    return {
      origin,
      async ask(openid, question) {
        const xml = actionXml(
          { kind: "text", content: question },
          { openid, account: ACCOUNT.ghId, createTime: Math.floor(Date.now() / 1000), msgId: freshMsgId() },
        );
        const delivered = await deliverLikeWechat(signCallback(`${origin}/wechat`, xml, openid, ACCOUNT), openid, ACCOUNT);
        const reply = delivered.reply?.kind === "text" ? delivered.reply.text : "";
        const link = /<a href="([^"]*\/a\/[A-Za-z0-9_-]{22})">/.exec(reply);
        if (link?.[1] === undefined) throw new Error(`the reply carries no page link: ${JSON.stringify(reply)}`);
        return { reply, pageUrl: link[1] };
      },
      async close() {
        await harness.close();
        await Promise.all(servers.map((server) => server.close()));
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.close().catch(() => undefined)));
    throw error;
  }
}
