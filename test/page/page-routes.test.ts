import { env, exports } from "cloudflare:workers";
import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { registerAnswerRef } from "../../src/page/answer-ref-index.js";
import { newAnswerRef } from "../../src/page/contract.js";

/**
 * The /a routes without an answer behind them: what a wrong, expired or malformed ref gets, and the headers every
 * response carries. Pages with answers are in answer-page.page.test.ts (a real callback makes them).
 */
const BASE = "https://bot.example";
const get = (path: string, init?: RequestInit): Promise<Response> => exports.default.fetch(new Request(`${BASE}${path}`, init));

function expectPageHeaders(response: Response): void {
  const csp = response.headers.get("Content-Security-Policy") ?? "";
  expect(csp.startsWith("default-src 'none'")).toBe(true);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
  expect(response.headers.get("X-Robots-Tag")).toBe("noindex");
  expect(response.headers.get("Cache-Control")).toMatch(/^private, no-store/);
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
}

const followerIds = async (): Promise<string[]> =>
  (await listDurableObjectIds(env.FOLLOWER_SESSION)).map((id) => id.toString()).sort();

describe("the answer page's routes, for refs with no answer", () => {
  const MALFORMED = [
    "/a/short",
    `/a/${"A".repeat(21)}`,
    `/a/${"A".repeat(23)}`,
    `/a/${"A".repeat(21)}.`,
    `/a/${"A".repeat(21)}%2F`,
    `/a/${"A".repeat(21)}=`,
    "/a/",
    "/a",
    `/a/${"A".repeat(21)}!/events`,
    `/a/${"A".repeat(22)}/img/x`,
    `/a/${"A".repeat(22)}/img/99999`,
    `/a/${"A".repeat(22)}/other`,
    "/a/live.js/x",
  ];

  it.each(MALFORMED)("%s is 404 with the page's headers", async (path) => {
    const response = await get(path);
    expect(response.status).toBe(404);
    expectPageHeaders(response);
    await response.body?.cancel();
  });

  it("answers an unknown ref with 404 on every route, and touches no follower object", async () => {
    const before = await followerIds();
    const ref = newAnswerRef();
    for (const path of [`/a/${ref}`, `/a/${ref}/events`, `/a/${ref}/img/0`]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expectPageHeaders(response);
      expect(await response.text()).toContain("expired");
    }
    expect(await followerIds()).toEqual(before);
    // The index entry the lookup read holds nothing afterwards either.
    await runInDurableObject(env.ANSWER_REFS.getByName(ref), async (_instance, state) => {
      expect((await state.storage.list()).size).toBe(0);
    });
  });

  it("answers 404 for a ref the index knows but the follower's object does not (forgotten answer)", async () => {
    const ref = newAnswerRef();
    await registerAnswerRef(env, ref, "default:o-nobody-here", Date.now() + 60_000);
    for (const path of [`/a/${ref}`, `/a/${ref}/events`, `/a/${ref}/img/0`]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expectPageHeaders(response);
      await response.body?.cancel();
    }
  });

  it("answers 404 for a ref past its keepUntil without asking the follower's object", async () => {
    const before = await followerIds();
    const ref = newAnswerRef();
    await registerAnswerRef(env, ref, "default:o-expired-page", Date.now() + 60_000);
    await runInDurableObject(env.ANSWER_REFS.getByName(ref), (_instance, state) => {
      state.storage.kv.put("entry", { objectName: "default:o-expired-page", keepUntil: Date.now() - 1 });
    });
    const response = await get(`/a/${ref}`);
    expect(response.status).toBe(404);
    await response.body?.cancel();
    expect(await followerIds()).toEqual(before);
  });

  it("refuses other methods with 404", async () => {
    const response = await get(`/a/${newAnswerRef()}`, { method: "POST", body: "x" });
    expect(response.status).toBe(404);
    expectPageHeaders(response);
    await response.body?.cancel();
  });

  it("serves the live script with the same headers", async () => {
    const response = await get("/a/live.js");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
    expectPageHeaders(response);
    const script = await response.text();
    expect(script).toContain("new EventSource(");
    expect(script).toContain("location.reload()");
  });
});
