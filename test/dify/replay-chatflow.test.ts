import { describe, expect, it } from "vitest";
import { streamEntry } from "../support/dify-streams.js";
import { asFollowerSees, askWithReplay, clientReplay, followUpConversation } from "../support/replay-worker.js";

const STREAM = "chatflow";

describe(`recorded Dify stream ${STREAM}.sse (advanced-chat: workflow_finished before message_end)`, () => {
  it("folds into the manifest's answer, conversation and message, with no image", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const answer = await (await clientReplay(STREAM, "chat")).run;
    expect(answer.text).toBe(want.answer);
    expect(answer.conversationId).toBe(want.conversation_id);
    expect(answer.messageId).toBe(want.message_id);
    expect(answer.files.map((f) => f.url)).toEqual(want.distinct_image_urls_for_one_image);
  });

  it("reaches the follower as the passive reply, and the next question continues its conversation", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const { openid, reply } = await askWithReplay(STREAM);
    expect(reply.content).toBe(asFollowerSees(want.answer!));
    expect(await followUpConversation(openid)).toBe(want.conversation_id);
  });
});
