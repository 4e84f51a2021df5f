/**
 * A late answer is cut where progressive delivery left off only when it really continues the text that was sent:
 * a re-asked answer after a restart, moderation's replacement or a workflow's final outputs are never sliced at an
 * offset counted in another text.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { remainderAfterProgress } from "../../src/session/progressive";
import { SessionStore } from "../../src/session/store";
import { newOpenid } from "../support/dify-calls";

describe("remainderAfterProgress", () => {
  const sent = "第一段已经发出去了。\n\n";

  it("continues the same answer after what was sent", () => {
    const job = { progressOffset: sent.length, progressText: sent };
    expect(remainderAfterProgress(job, `${sent}第二段。`)).toEqual({ rest: "第二段。", changed: false });
  });

  it("gives a different answer whole instead of slicing it at the old offset", () => {
    const job = { progressOffset: sent.length, progressText: sent };
    const other = "完全不同的另一个回答，比已经发出的那一段还要长一些，长得足以被旧的偏移量从中间切开。";
    expect(remainderAfterProgress(job, other)).toEqual({ rest: other, changed: true });
    // Shorter than the offset (a moderation preset): whole, not empty.
    expect(remainderAfterProgress(job, "无法回答。")).toEqual({ rest: "无法回答。", changed: true });
  });

  it("treats an offset without its text (written by the first release) as a changed answer", () => {
    expect(remainderAfterProgress({ progressOffset: 12, progressText: "" }, "x".repeat(40))).toEqual({ rest: "x".repeat(40), changed: true });
  });

  it("has nothing to compare when nothing was sent early", () => {
    expect(remainderAfterProgress({ progressOffset: 0, progressText: "" }, "整段")).toEqual({ rest: "整段", changed: false });
  });
});

describe("a restart mid-answer", () => {
  it("forgets the lost attempt's progress, so the re-asked answer starts from its own beginning", async () => {
    const openid = newOpenid("requeue");
    const kept = await runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
      const store = new SessionStore(state.storage.sql);
      store.insertJob({ key: "k", kind: "ask", work: "{}", firstSeen: Date.now(), status: "running" });
      store.updateJob("k", { progressOffset: 9, progressText: "已发出的前九个字。", windowClosed: true });
      store.appendParts("k", ["已发出的前九个字。"], "cs");
      expect(store.requeueRunning()).toBe(1);
      const job = store.job("k");
      return { status: job?.status, offset: job?.progressOffset, text: job?.progressText, parts: store.parts("k").map((p) => p.via) };
    });
    // The part already delivered stays delivered; the next attempt is measured against nothing.
    expect(kept).toEqual({ status: "queued", offset: 0, text: "", parts: ["cs"] });
  });
});
