import { describe, expect, it } from "vitest";
import { streamEntry } from "../support/dify-streams.js";
import { asFollowerSees, askWithReplay, clientReplay } from "../support/replay-worker.js";

const STREAM = "completion";

describe(`recorded Dify stream ${STREAM}.sse (completion app: no conversation)`, () => {
  it("folds into the manifest's answer and message", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const answer = await (await clientReplay(STREAM, "completion", "app-completion-key")).run;
    expect(answer.text).toBe(want.answer);
    expect(answer.messageId).toBe(want.message_id);
    expect(answer.conversationId).toBeUndefined();
  });

  it("reaches the follower as the passive reply", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const { reply } = await askWithReplay(STREAM);
    expect(reply.content).toBe(asFollowerSees(want.answer!));
  });
});
