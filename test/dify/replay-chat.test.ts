import { describe, expect, it } from "vitest";
import { streamEntry } from "../support/dify-streams.js";
import { asFollowerSees, askWithReplay, clientReplay, followUpConversation } from "../support/replay-worker.js";

/** The plain chat app's stream, as Dify 1.12.1 writes it and as Dify before 1.8.1 did (json.dumps, \uXXXX escapes). */
const STREAMS = [
  { stream: "chat", dify: "Dify 1.12.1" },
  { stream: "chat-pre-1.8.1-json", dify: "Dify before 1.8.1: json.dumps with \\uXXXX escapes" },
] as const;

describe.each(STREAMS)("recorded Dify stream $stream.sse (chat app, $dify)", ({ stream }) => {
  it("folds into the manifest's answer, conversation and message", async () => {
    const { expect: want } = await streamEntry(stream);
    const { run } = await clientReplay(stream, "chat");
    const answer = await run;
    expect(answer.text).toBe(want.answer);
    expect(answer.conversationId).toBe(want.conversation_id);
    expect(answer.messageId).toBe(want.message_id);
    expect(answer.files).toEqual([]);
  });

  it("reaches the follower as the passive reply, and the next question continues its conversation", async () => {
    const { expect: want } = await streamEntry(stream);
    const { openid, reply } = await askWithReplay(stream);
    expect(reply.content).toBe(asFollowerSees(want.answer!));
    expect(await followUpConversation(openid)).toBe(want.conversation_id);
  });
});
