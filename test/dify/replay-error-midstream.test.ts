import { describe, expect, it } from "vitest";
import { DifyError } from "../../src/dify/errors.js";
import { buildTexts } from "../../src/texts.js";
import { streamEntry } from "../support/dify-streams.js";
import { askWithReplay, clientReplay } from "../support/replay-worker.js";

const STREAM = "error-midstream";
const POLITE = buildTexts("zh_Hans", {}).failure;

describe(`recorded Dify stream ${STREAM}.sse (chat app: the model fails after 4 chunks)`, () => {
  it("shows the partial answer, then fails with the error event's code and status", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const { run, seen } = await clientReplay(STREAM, "chat");
    const error = await run.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DifyError);
    expect(error).toMatchObject({ kind: "stream", status: 400, code: "completion_request_error" });
    expect(seen.at(-1)).toBe(want.partial_answer);
  });

  it("gives the follower the polite failure text, never the half answer or Dify's error text", async () => {
    const { reply } = await askWithReplay(STREAM);
    expect(reply.status).toBe(200);
    expect(reply.content).toBe(POLITE);
    expect(reply.raw).not.toMatch(/openai|Server Unavailable|completion_request_error/);
  });
});
