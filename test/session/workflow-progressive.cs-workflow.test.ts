/**
 * A workflow app in CS mode whose answer is still streaming when WeChat's window closes, so finished paragraphs go
 * out progressively. Its End node streams a JSON output before the answer (workflow-two-outputs-long.sse, see
 * test/fixtures/dify-streams/more-streams.md): none of it may reach the follower, before or after workflow_finished.
 */
import { describe, expect, it } from "vitest";
import { newOpenid } from "../support/dify-calls";
import { replayDirective } from "../support/dify-streams";
import { csTexts, eventually } from "../support/wechat-api-records";
import { textMessageXml } from "../support/wechat-fixtures";
import { deliverLikeWechat } from "../support/wechat-retries";

const LAST_WORDS = "期待在新门店与您见面！";

describe("a late workflow answer delivered progressively", () => {
  it("sends the answer output's paragraphs and nothing of the End node's other output", async () => {
    const openid = newOpenid("wf-progressive");
    // Paced so the stream outlasts WeChat's three tries: its last paragraphs arrive after the window closed.
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: `${replayDirective("workflow-two-outputs-long", { paceMs: 50 })} 通知` }));
    expect(seen.reply?.status).toBe(200);
    const texts = await eventually(() => csTexts(openid), (list) => list.some((t) => t.includes(LAST_WORDS)), 60_000);
    // The head went out before the end: as the reply to WeChat's last try (streaming-first) or as an early CS message.
    const reply = seen.reply?.content ?? "";
    expect(reply.includes("【开业通知】") || texts.length > 1).toBe(true);
    const all = [reply, ...texts].join("\n");
    expect(all).toContain("【开业通知】");
    expect(all).not.toMatch(/category|priority/);
  });
});
