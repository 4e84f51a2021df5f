import { describe, expect, it } from "vitest";
import { streamEntry } from "../support/dify-streams.js";
import { clientReplay, expectAnsweredOnce } from "../support/replay-worker.js";

const STREAM = "message-file";

describe(`recorded Dify stream ${STREAM}.sse (chat app whose model outputs an image, FILES_URL set)`, () => {
  it("folds into the manifest's answer and its one image, with conversation and message", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const answer = await (await clientReplay(STREAM, "chat")).run;
    expect(answer.text).toBe(want.answer);
    expect(answer.conversationId).toBe(want.conversation_id);
    expect(answer.messageId).toBe(want.message_id);
    expect(answer.files.map((f) => f.url)).toEqual(want.files);
  });

  it("gives the follower the answer text once, and the next question continues its conversation", async () => {
    const { expect: want } = await streamEntry(STREAM);
    await expectAnsweredOnce(STREAM, want.answer!, want.conversation_id);
  });
});
