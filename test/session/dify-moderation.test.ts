/** A chatflow's output moderation through the whole worker (chatflow-moderation.sse, see more-streams.md). */
import { describe, expect, it } from "vitest";
import { asFollowerSees, askWithReplay, clientReplay } from "../support/replay-worker.js";

const PRESET = "抱歉，这个问题我暂时无法回答，请换个问题试试。";

describe("a chatflow whose output moderation answers with its preset reply", () => {
  it("ends with the preset reply although the run finished as stopped", async () => {
    const answer = await (await clientReplay("chatflow-moderation", "chat")).run;
    expect(answer.text).toBe(PRESET);
    expect(answer.conversationId).toBe("c0ffee00-1a2b-4c3d-8e4f-5a6b7c8d9e0f");
  });

  it("gives the follower the preset reply, not the failure text and not the moderated words", async () => {
    const { reply } = await askWithReplay("chatflow-moderation");
    expect(reply.content).toBe(asFollowerSees(PRESET));
    expect(reply.content).not.toContain("全网第一");
  });
});
