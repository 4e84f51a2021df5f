import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchPhone, type PhoneBrowser } from "./support/browser";
import type { PageGlobals } from "./support/page-globals";
import { startPageStack, type PageStack } from "./support/page-stack";

/**
 * The answer page in a real browser (headless Chromium at a phone's size), against the worker in workerd and the
 * Dify stand-in pacing its answer: text arrives while Dify still writes, tables and code render, a hostile answer
 * runs nothing and loads nothing, and browsers without scripts or EventSource refresh instead.
 */
const SCREENSHOTS = { top: "test-results/answer-page-390x844.png", table: "test-results/answer-page-table-390x844.png" };

let stack: PageStack;
let phone: PhoneBrowser;
/** Where hostile answers point their resources: any request reaching it is a failure. */
let trap: { server: Server; origin: string; hits: string[] };

beforeAll(async () => {
  stack = await startPageStack();
  phone = await launchPhone(stack.origin);
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? "");
    response.end("trapped");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  trap = { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
});

afterAll(async () => {
  await phone?.close();
  await stack?.close();
  await new Promise((resolve) => trap?.server.close(resolve));
});

let openids = 0;
const openid = (): string => `o-browser-${process.pid}-${++openids}`;

/** Dify's answer as the stand-in streams it: `chunks` deltas, `gap` ms apart. */
const paced = (answer: string, chunks: number, gap: number): string =>
  `[answer64=${Buffer.from(answer).toString("base64")}][chunks=${chunks}][gap=${gap}]`;

const prose = (n: number): string =>
  `Paragraph ${n}. ${"A phone screen is narrow, so the answer wraps; the follower reads it on the way. ".repeat(3)}`;

describe("the answer page in a phone's browser", () => {
  it("shows text arriving while Dify is still writing, then the whole answer with its table and code block", async () => {
    const answer = [
      "## Baking plan",
      ...[1, 2, 3, 4, 5, 6].map(prose),
      "| step | oven | time |\n|:--|:-:|--:|\n| mix the dough well | off | 5 min |\n| bake until golden brown | 220 °C | 30 min |",
      "```python\ndef ready(minutes: int) -> bool:\n    return minutes >= 30  # a long comment that is wider than a phone screen\n```",
      ...[7, 8, 9, 10, 11, 12].map(prose),
      "**Enjoy** the bread.",
    ].join("\n\n");
    const { pageUrl } = await stack.ask(openid(), `${paced(answer, 12, 500)} How do I bake bread?`);
    const { page, dialogs, foreignRequests } = await phone.open();
    await page.goto(pageUrl);
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).loadedOnce = true;
    });
    const bodyText = (): Promise<string> => page.locator("#answer-body").innerText();
    const first = await bodyText();
    expect(await page.locator(".question p").innerText()).toContain("How do I bake bread?");
    expect(first).not.toContain("Enjoy");
    // More text arrives while the status still says it is being written: live, without a reload.
    await page.waitForFunction((before) => {
      const { document } = globalThis as unknown as PageGlobals;
      const body = document.getElementById("answer-body")?.textContent ?? "";
      return body.length > before.length + 50 && document.getElementById("status")?.classList.contains("writing") === true;
    }, first, { timeout: 15_000 });
    await expect.poll(() => page.locator("#status").innerText(), { timeout: 20_000 }).toBe("The answer is complete");
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).loadedOnce)).toBe(true);
    expect(await bodyText()).toContain("Enjoy the bread.");
    expect(await page.locator("#answer-tail").innerText()).toBe("");

    expect(await page.locator("#answer-body table td").allInnerTexts()).toContain("30 min");
    expect(await page.locator("#answer-body h2").innerText()).toBe("Baking plan");
    expect(await page.locator("#answer-body strong").last().innerText()).toBe("Enjoy");
    const code = page.locator("#answer-body pre code.language-python");
    expect(await code.innerText()).toContain("return minutes >= 30");
    // Wide tables and code scroll inside themselves; the page itself never scrolls sideways.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth))
      .toBeLessThanOrEqual(390);
    const overflowX = (element: unknown): string => (globalThis as unknown as PageGlobals).getComputedStyle(element).overflowX;
    expect(await page.locator("#answer-body pre").evaluate(overflowX)).toBe("auto");
    expect(await page.locator("#answer-body table").evaluate(overflowX)).toBe("auto");

    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: SCREENSHOTS.top });
    await page.locator("#answer-body table").scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOTS.table });
    expect(dialogs).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it("runs nothing and loads nothing from an answer's script, handlers, javascript: links and raw HTML", async () => {
    const t = trap.origin;
    const hostile = [
      `<script>alert("inline script")</script><script src="${t}/script.js"></script>`,
      `<img src=x onerror="alert('onerror')"> <img src="${t}/plain-http.png"> <svg onload="alert('svg')"><script>alert('svg script')</script></svg>`,
      "[tap me](javascript:alert('javascript-link')) and <a href=\"javascript:alert('raw-link')\">raw link</a>",
      `<iframe src="${t}/frame"></iframe><object data="${t}/object"></object><embed src="${t}/embed"><video src="${t}/video" autoplay></video>`,
      `<link rel="stylesheet" href="${t}/style.css"><style>@import "${t}/import.css"; body{background:url(${t}/bg.png)}</style>`,
      `<div style="background-image:url(${t}/div-bg.png)">styled div</div> <meta http-equiv="refresh" content="0;url=${t}/meta">`,
      `<form action="${t}/form"><input name="q" autofocus onfocus="alert('focus')"><button formaction="javascript:alert('form')">go</button></form>`,
      `<details open ontoggle="alert('toggle')"><summary>details</summary>text</details> <base href="${t}/">`,
    ];
    const answer = [prose(1), prose(2), prose(3), ...hostile.flatMap((h, i) => [h, prose(10 + i)]), "Safe end."].join("\n\n");
    const { pageUrl } = await stack.ask(openid(), `${paced(answer, 10, 400)} hostile`);
    const { page, dialogs, foreignRequests } = await phone.open();
    // Opened while Dify writes: the hostile parts arrive through the live feed as well as in the final page.
    await page.goto(pageUrl);
    await expect.poll(() => page.locator("#status").innerText(), { timeout: 20_000 }).toBe("The answer is complete");
    await page.getByText("tap me").click();
    await page.getByText("raw link").click();
    await page.waitForTimeout(300);
    expect(await page.locator("#answer-body").innerText()).toContain("Safe end.");
    expect(await page.locator("#answer-body").innerText()).toContain("styled div");
    expect(await page.locator("#answer-body :is(script, iframe, object, embed, video, link, style, form, input, base, meta, svg)").count()).toBe(0);
    expect(await page.locator("#answer-body [onerror], #answer-body [style], #answer-body [ontoggle]").count()).toBe(0);
    expect(page.url()).toBe(pageUrl);
    // Reloaded, the page as served holds the same answer: nothing runs there either.
    await page.reload();
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(foreignRequests).toEqual([]);
    expect(trap.hits).toEqual([]);
  });

  it("reads with scripts off, and refreshes where scripts or EventSource are missing", async () => {
    const answer = [...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(prose), "Last line."].join("\n\n");
    const { pageUrl } = await stack.ask(openid(), `${paced(answer, 12, 700)} slow`);
    const noScripts = await phone.open({ scripts: false });
    const noEventSource = await phone.open();
    await noEventSource.page.addInitScript(() => {
      Reflect.deleteProperty(globalThis as unknown as PageGlobals, "EventSource");
    });
    const loads = { noScripts: 0, noEventSource: 0 };
    noScripts.page.on("load", () => void (loads.noScripts += 1));
    noEventSource.page.on("load", () => void (loads.noEventSource += 1));
    await Promise.all([noScripts.page.goto(pageUrl), noEventSource.page.goto(pageUrl)]);
    // The page as served already holds the answer so far.
    expect(await noScripts.page.locator("#answer-body").innerText()).toContain("Paragraph 1.");
    expect(await noScripts.page.locator("#status").innerText()).toBe("Still writing…");
    await expect.poll(() => Math.min(loads.noScripts, loads.noEventSource), { timeout: 9_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    expect(noScripts.dialogs).toEqual([]);
    expect(noEventSource.foreignRequests).toEqual([]);
  });
});
