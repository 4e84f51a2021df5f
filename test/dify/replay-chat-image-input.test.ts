import { describe, expect, it } from "vitest";
import { difyAsks } from "../support/dify-calls.js";
import { streamEntry } from "../support/dify-streams.js";
import { asFollowerSees, clientReplay, followUpConversation, sendImageWithReplay } from "../support/replay-worker.js";

const STREAM = "chat-image-input-1.11.2-1.12.1";

describe(`recorded Dify stream ${STREAM}.sse (the question carried an image: answer chunks come as message_file)`, () => {
  it("folds the message_file chunks that carry `answer` into the manifest's answer, and no file", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const answer = await (await clientReplay(STREAM, "chat")).run;
    expect(answer.text).toBe(want.answer);
    expect(answer.conversationId).toBe(want.conversation_id);
    expect(answer.messageId).toBe(want.message_id);
    expect(answer.files).toEqual([]);
  });

  it("answers the follower's image with the whole text, and the next question continues its conversation", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const { openid, reply, picUrl } = await sendImageWithReplay(STREAM);
    const [ask] = await difyAsks(openid);
    expect(ask?.body.files).toEqual([{ type: "image", transfer_method: "remote_url", url: picUrl }]);
    expect(reply.content).toBe(asFollowerSees(want.answer!));
    expect(await followUpConversation(openid)).toBe(want.conversation_id);
  });
});
