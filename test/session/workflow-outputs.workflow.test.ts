/** A workflow whose End node has two outputs, through the client and the whole worker (workflow-two-outputs.sse). */
import { describe, expect, it } from "vitest";
import { asFollowerSees, askWithReplay, clientReplay } from "../support/replay-worker.js";

const TEXT = "【开业通知】\n\n亲爱的朋友们：本周六上午十点，我们的新门店正式开业！届时准备了精美小礼品，欢迎光临。";

describe("a workflow that streams every End output (JSON metadata, then the answer)", () => {
  it("lets only the answer output reach the text while it streams, and answers with it", async () => {
    const { run, seen } = await clientReplay("workflow-two-outputs", "workflow", "app-workflow-key");
    expect((await run).text).toBe(TEXT);
    expect(seen.length).toBeGreaterThan(1);
    for (const text of seen) expect(TEXT.startsWith(text), JSON.stringify(text)).toBe(true);
  });

  it("gives the follower the answer output alone", async () => {
    const { reply } = await askWithReplay("workflow-two-outputs");
    expect(reply.content).toBe(asFollowerSees(TEXT));
    expect(reply.content).not.toContain("priority");
  });
});
