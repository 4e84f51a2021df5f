import { Hono } from "hono";
import { DurableObject } from "cloudflare:workers";

export class FollowerSession extends DurableObject<Env> {}

const app = new Hono<{ Bindings: Env }>();
app.get("/", (c) => c.text("ok"));
export default app;
export class AccessTokenStore extends DurableObject<Env> {}
