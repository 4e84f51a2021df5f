import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { PageUpdate } from "../../src/page/live-render.js";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";

/**
 * The answer page end to end (issue 11 §2): a real callback makes an answer whose reply links to its page; the page
 * as served holds the answer so far, its feed delivers text while the Dify stand-in is still streaming, and once
 * Dify is done both show the whole answer rendered, with no more refreshing.
 */
const paragraphs = Array.from({ length: 24 }, (_, i) => `Paragraph ${i + 1}: ${"the answer goes on and on. ".repeat(8)}`);
const ANSWER = [
  "## Plan",
  ...paragraphs.slice(0, 12),
  "| step | time |\n|---|---:|\n| mix | 5 min |\n| bake | 30 min |",
  "```python\nprint(1 < 2)\n```",
  ...paragraphs.slice(12),
  "The end.",
].join("\n\n");
const directives = (answer: string, chunks: number, gap: number): string =>
  `[answer64=${btoa(answer)}][chunks=${chunks}][gap=${gap}]`;

/** Asks a question and returns the page URL its first reply links to. */
async function askForPage(openid: string, question: string): Promise<{ url: string; ref: string; reply: string }> {
  const reply = (await postOnce(textMessageXml({ openid, content: question }))).content ?? "";
  const link = /<a href="([^"]*\/a\/([A-Za-z0-9_-]{22}))">/.exec(reply);
  expect(link, reply).not.toBeNull();
  return { url: link?.[1] ?? "", ref: link?.[2] ?? "", reply };
}

/** A script or frame element, an event handler or a javascript: URL in any tag (as text they are harmless). */
const UNSAFE = /<(script|iframe)\b|<[^>]*\son\w+\s*=|<[^>]*javascript:/i;

const visibleText = (html: string): string => html.replace(/<[^>]+>/g, "").replace(/\s+/g, " ");

describe("the answer page of a real answer", () => {
  it("serves the answer so far, streams the rest while Dify writes, then shows it whole and stops", async () => {
    const openid = newOpenid("page-live");
    const { url, ref } = await askForPage(openid, `${directives(ANSWER, 8, 400)} How do I bake?`);
    // The link's base is the origin WeChat called; the ref carries no openid.
    expect(url).toBe(`https://wechat.example/a/${ref}`);
    expect(url).not.toContain(openid);

    const page = await exports.default.fetch(new Request(url));
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    expect(html).toContain("How do I bake?");
    expect(html).toContain("Paragraph 1:");
    expect(html).not.toContain("The end.");
    expect(html).toContain('<script src="live.js" defer></script>');
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    await expectStyleAllowedByHash(page, html);

    const events = await exports.default.fetch(new Request(`${url}/events`));
    expect(events.status).toBe(200);
    expect(events.headers.get("Content-Type")).toBe("text/event-stream; charset=utf-8");
    expect(events.headers.get("Cache-Control")).toContain("no-transform");
    const updates = await readUpdates(events);
    const done = updates.at(-1);
    expect(done?.done).toBe(true);
    // Between the snapshot and the end, the feed carried text as Dify wrote it, not only the final answer.
    const streamed = updates.slice(1, -1).filter((u) => (u.add ?? "") !== "" || (u.tail ?? "") !== "");
    expect(streamed.length).toBeGreaterThan(1);
    const whole = visibleText(done?.html ?? "");
    expect(whole).toContain("Paragraph 24:");
    expect(whole).toContain("The end.");
    expect(done?.html).toContain('<td align="right">30 min</td>');
    expect(done?.html).toContain('<pre><code class="language-python">print(1 &lt; 2)');

    const after = await (await exports.default.fetch(new Request(url))).text();
    expect(after).toContain("The end.");
    expect(after).toContain('data-done="true"');
    expect(after).not.toContain("live.js");
    expect(after).not.toContain("http-equiv");
  });

  it("never shows an answer's script, handlers or foreign resources, and serves only its own images", async () => {
    const openid = newOpenid("page-hostile");
    const hostile = [
      "Start.",
      ...paragraphs.slice(0, 10),
      '<script>alert(1)</script><img src=x onerror=alert(2)> [tap](javascript:alert(3)) <iframe src="https://evil.example"></iframe>',
      ...paragraphs.slice(10),
    ].join("\n\n");
    const { url } = await askForPage(openid, `${directives(hostile, 4, 400)} hostile`);
    const events = await exports.default.fetch(new Request(`${url}/events`));
    const done = (await readUpdates(events)).at(-1);
    expect(done?.html).toContain("Start.");
    expect(done?.html).toContain("Paragraph 24:");
    expect(done?.html).not.toMatch(UNSAFE);
    const page = await (await exports.default.fetch(new Request(url))).text();
    expect(page).toContain("Paragraph 24:");
    expect(page).not.toMatch(UNSAFE);
    const missing = await exports.default.fetch(new Request(`${url}/img/7`));
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
  });

  it("shows the answer's images from the follower's object, not Dify's expiring links", async () => {
    const openid = newOpenid("page-image");
    const { url, ref } = await askForPage(openid, `${directives(paragraphs.join("\n\n"), 4, 300)}[files] draw`);
    const done = (await readUpdates(await exports.default.fetch(new Request(`${url}/events`)))).at(-1);
    expect(done?.gallery).toContain(`<img src="${ref}/img/0"`);
    // Dify's signed link in the text is left out where it stands: it stops working minutes later.
    expect(`${done?.html}${done?.gallery}`).not.toMatch(/files\/tools|sign=/);
    const image = await exports.default.fetch(new Request(`${url}/img/0`));
    expect(image.status).toBe(200);
    expect(image.headers.get("Content-Type")).toMatch(/^image\/(png|jpeg|gif|webp)$/);
    expect(image.headers.get("Content-Security-Policy")).toMatch(/^default-src 'none'/);
    expect(image.headers.get("Cache-Control")).toBe("private, no-store");
    expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });
});

/** Reads the feed to its end (it closes after `done`); every update, in order. */
async function readUpdates(response: Response): Promise<PageUpdate[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => JSON.parse(frame.slice("data: ".length)) as PageUpdate);
}

/** The page's only style is its inline stylesheet, allowed by its hash in the policy. */
async function expectStyleAllowedByHash(page: Response, html: string): Promise<void> {
  const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(css)));
  const hash = btoa(String.fromCharCode(...digest));
  expect(page.headers.get("Content-Security-Policy")).toContain(`style-src 'sha256-${hash}'`);
}
