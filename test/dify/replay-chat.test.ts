import { describe, expect, it } from "vitest";
import { streamEntry } from "../support/dify-streams.js";
import { asFollowerSees, askWithReplay, clientReplay, followUpConversation } from "../support/replay-worker.js";

const STREAM = "chat";

describe(`recorded Dify stream ${STREAM}.sse (chat app, Dify 1.12.1)`, () => {
  it("folds into the manifest's answer, conversation and message", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const { run } = await clientReplay(STREAM, "chat");
    const answer = await run;
    expect(answer.text).toBe(want.answer);
    expect(answer.conversationId).toBe(want.conversation_id);
    expect(answer.messageId).toBe(want.message_id);
    expect(answer.files).toEqual([]);
  });

  it("reaches the follower as the passive reply, and the next question continues its conversation", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const { openid, reply } = await askWithReplay(STREAM);
    expect(reply.content).toBe(asFollowerSees(want.answer!));
    expect(await followUpConversation(openid)).toBe(want.conversation_id);
  });
});
