import { describe, expect, it } from "vitest";
import { streamEntry } from "../support/dify-streams.js";
import { asFollowerSees, askWithReplay, clientReplay } from "../support/replay-worker.js";

const STREAM = "workflow";

describe(`recorded Dify stream ${STREAM}.sse (workflow app: text_chunk deltas, outputs in workflow_finished)`, () => {
  it("folds into the manifest's outputs.text under the run id", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const answer = await (await clientReplay(STREAM, "workflow", "app-workflow-key")).run;
    expect(answer.text).toBe(want.outputs?.text);
    expect(answer.messageId).toBe(want.workflow_run_id);
    expect(answer.conversationId).toBeUndefined();
  });

  it("reaches the follower as the passive reply", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const { reply } = await askWithReplay(STREAM);
    expect(reply.content).toBe(asFollowerSees(String(want.outputs?.text)));
  });
});
