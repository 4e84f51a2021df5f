/**
 * Progressive delivery keeps paragraph order when the CS budget comes back mid-stream: parts an earlier event had no
 * budget for are queued before newer ones once the follower's next message renews the budget. Found by the session
 * model (test/session/session-model.model.test.ts, seed 20261202, path 0): the newer paragraphs went out first and
 * the older one only with the end of the answer.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { configFor, type AppEnv } from "../../src/config";
import { csBudget, planUndecidedParts, resetCsBudget } from "../../src/session/delivery-plan";
import { leaveQueuedForPull } from "../../src/session/cs-sender";
import { ProgressiveStream } from "../../src/session/progressive";
import { SessionStore } from "../../src/session/store";
import { newOpenid } from "../support/dify-calls";

/** Paragraph `n`: ~1.45 KB, one part each, labelled so order can be read back. */
function paragraph(n: number): string {
  return `第${n}段。` + "这是一句用来测试分段发送的中文句子，".repeat(24) + `第${n}段完。`;
}

/** A job whose answer Dify is still writing after WeChat's window, and the stream that delivers it. */
function lateRunningAnswer(state: DurableObjectState, openid: string): { store: SessionStore; key: string; stream: ProgressiveStream } {
  const store = new SessionStore(state.storage.sql);
  const key = `msg|${openid}|1|1`;
  store.insertJob({ key, kind: "ask", work: "{}", firstSeen: Date.now() - 60_000, status: "running" });
  store.updateJob(key, { windowClosed: true });
  return { store, key, stream: new ProgressiveStream(key) };
}

describe("progressive delivery when the CS budget is renewed mid-stream", () => {
  it("queues the parts it had no budget for before the newer ones", async () => {
    const config = configFor(env as AppEnv);
    const openid = newOpenid("progressive-order");
    const order = await runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
      const { store, key, stream } = lateRunningAnswer(state, openid);
      // Two CS messages left: one paragraph may go now, the next two wait (one is kept for the rest).
      resetCsBudget(store, 2);
      let text = [1, 2, 3].map(paragraph).join("\n\n") + "\n\n第4段";
      stream.onText(store, text, config);
      // The follower writes again: five CS messages allowed from here.
      resetCsBudget(store, 5);
      text = [1, 2, 3, 4, 5].map(paragraph).join("\n\n") + "\n\n第6段";
      stream.onText(store, text, config);
      return { parts: store.parts(key).map((p) => ({ label: /^第(\d)段/.exec(p.text)?.[1], via: p.via })), budget: csBudget(store) };
    });
    // The two that waited go with the renewed budget, ahead of the one that just filled a part: all in paragraph
    // order. Paragraph 5 alone does not fill a part yet: it waits for what finishes next (or the answer's end).
    expect(order.parts).toEqual(["1", "2", "3", "4"].map((label) => ({ label, via: "cs-queued" })));
    expect(order.budget).toBe(2);
  });

  it("keeps later paragraphs behind one that WeChat refused, even once the budget is renewed", async () => {
    // Found by the session model (seed 777, path 20, CS mode): after a 45047 moved the first part to "1", the
    // follower wrote again and the later parts went by CS, ahead of the part that waited for "1".
    const config = configFor(env as AppEnv);
    const openid = newOpenid("progressive-refused");
    const order = await runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
      const { store, key, stream } = lateRunningAnswer(state, openid);
      resetCsBudget(store, 5);
      let text = paragraph(1) + "\n\n第2段";
      stream.onText(store, text, config);
      // WeChat refuses the send for good (quota): what was queued waits for "1".
      leaveQueuedForPull(store);
      // The follower writes again: five CS messages allowed from here; the answer goes on.
      resetCsBudget(store, 5);
      text = [1, 2, 3, 4].map(paragraph).join("\n\n") + "\n\n第5段";
      stream.onText(store, text, config);
      planUndecidedParts(store, key, config);
      return store.parts(key).map((p) => ({ label: /^第(\d)段/.exec(p.text)?.[1], via: p.via }));
    });
    expect(order[0]).toEqual({ label: "1", via: "pull-ready" });
    expect(order.length).toBeGreaterThan(1);
    for (const part of order.slice(1)) expect(part.via).toBe("pull-ready");
  });
});
