/**
 * Worker entry: the HTTP routes and the Durable Object classes, nothing else.
 */
import { Hono } from "hono";
import type { AppEnv } from "./config";
import { wechatRoutes } from "./http/wechat-routes";
import { pageRoutes } from "./http/page-routes";

export { FollowerSession } from "./session/follower-session";
export { AccessTokenStore } from "./session/access-token-store";
export { AnswerRefs } from "./page/answer-ref-index";

const app = new Hono<{ Bindings: AppEnv }>();

app.get("/", (c) => c.text("dify-wechat-worker: point WeChat's callback URL at /wechat"));
app.route("/wechat", wechatRoutes);
app.route("/a", pageRoutes);
app.notFound((c) => c.text("not found", 404));
app.onError((error, c) => {
  // Nothing should get here; if something does, WeChat must not see a crash page.
  console.error(JSON.stringify({ level: "error", event: "unhandled", error: error.name, message: error.message }));
  return c.text("success", 200);
});

export default app;
