/**
 * The answer page's routes, mounted at /a: the page (GET /a/<ref>), its live feed (/a/<ref>/events), the answer's
 * images (/a/<ref>/img/<n>) and the page's script (/a/live.js). A ref that is malformed gets 404 before any Durable
 * Object is touched; a well-formed one is looked up in the ANSWER_REFS index, which only reads. Page views only read
 * what the follower's object holds: they never call Dify and change no follower state. Every response here carries
 * the page's security headers (src/page/headers.ts), 404s included.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../config";
import { log } from "../log";
import { lookupAnswerRef } from "../page/answer-ref-index";
import { isAnswerRef, type AnswerPageSource } from "../page/contract";
import { answerEventStream } from "../page/event-stream";
import { pageCsp, securityHeaders } from "../page/headers";
import { answerPageHtml } from "../page/page-html";
import { pageCssHash } from "../page/page-style";
import { LIVE_SCRIPT } from "../page/live-script";

type PageContext = Context<{ Bindings: AppEnv }>;

/** Image types the page serves from the object (raster only: an SVG opened on its own would be a document). */
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"]);

/** The /a routes. */
export const pageRoutes = new Hono<{ Bindings: AppEnv }>();

pageRoutes.use("*", async function pageHeaders(c, next) {
  await next();
  for (const [name, value] of Object.entries(securityHeaders())) {
    if (!c.res.headers.has(name)) c.res.headers.set(name, value);
  }
});

pageRoutes.get("/live.js", () =>
  new Response(LIVE_SCRIPT, { headers: { "Content-Type": "text/javascript; charset=utf-8" } }));

pageRoutes.get("/:ref", async (c) => {
  const found = await answerSource(c);
  if (found instanceof Response) return found;
  const snapshot = await found.source.answerPage(found.ref);
  if (snapshot === null) return notFound();
  return new Response(answerPageHtml(snapshot, found.ref), {
    headers: {
      ...securityHeaders({ csp: pageCsp(await pageCssHash()) }),
      "Content-Type": "text/html; charset=utf-8",
    },
  });
});

pageRoutes.get("/:ref/events", async (c) => {
  const found = await answerSource(c);
  if (found instanceof Response) return found;
  const feed = await found.source.answerPageFeed(found.ref);
  if (feed === null) return notFound();
  return new Response(answerEventStream(feed, found.ref), {
    headers: {
      ...securityHeaders({ cacheControl: "private, no-store, no-cache, no-transform" }),
      "Content-Type": "text/event-stream; charset=utf-8",
      // Tells buffering proxies (nginx and the like in front of a custom domain) to pass each event on at once.
      "X-Accel-Buffering": "no",
    },
  });
});

pageRoutes.get("/:ref/img/:n{[0-9]{1,4}}", async (c) => {
  const found = await answerSource(c);
  if (found instanceof Response) return found;
  const image = await found.source.answerPageImage(found.ref, Number(c.req.param("n")));
  if (image === null) return notFound();
  const type = image.contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (!IMAGE_TYPES.has(type)) return notFound();
  return new Response(image.body, { headers: { "Content-Type": type, "Content-Disposition": "inline" } });
});

pageRoutes.all("*", () => notFound());

pageRoutes.onError((error, c) => {
  // The follower's object or the index was unreachable (a deploy, an overloaded object): try again shortly.
  log.warn("page_unavailable", { route: c.req.routePath, error: error.name });
  return new Response("The answer is not available right now. Please try again in a moment.", {
    status: 503,
    headers: { ...securityHeaders(), "Content-Type": "text/plain; charset=utf-8", "Retry-After": "5" },
  });
});

/** The follower object that holds the answer of the request's ref, or the 404 to send. */
async function answerSource(c: PageContext): Promise<{ ref: string; source: AnswerPageSource } | Response> {
  const ref = c.req.param("ref") ?? "";
  if (!isAnswerRef(ref)) return notFound();
  const objectName = await lookupAnswerRef(c.env, ref);
  if (objectName === null) return notFound();
  return { ref, source: c.env.FOLLOWER_SESSION.getByName(objectName) };
}

function notFound(): Response {
  return new Response("This answer is not here: the link is wrong or has expired.", {
    status: 404,
    headers: { ...securityHeaders(), "Content-Type": "text/plain; charset=utf-8" },
  });
}
