/**
 * Agent apps through the whole worker: the follower gets the answer Dify stores for the message (what its web app
 * and GET /messages show), once and readable. Streams: test/fixtures/dify-streams/more-streams.md.
 */
import { describe, expect, it } from "vitest";
import { asFollowerSees, askWithReplay, clientReplay } from "../support/replay-worker.js";

const FINAL = "北京今天晴，气温 3~12℃，北风 2 级，适合外出。";

describe("a legacy function-calling agent that speaks before its tool call (agent-fc-pretool.sse)", () => {
  const answer = `好的，我来帮您查一下北京的天气。\n${FINAL}`;

  it("keeps the pre-tool text on its own line, as Dify stores the answer, instead of gluing it to the answer", async () => {
    expect((await (await clientReplay("agent-fc-pretool", "chat")).run).text).toBe(answer);
    const { reply } = await askWithReplay("agent-fc-pretool");
    expect(reply.content).toBe(asFollowerSees(answer));
  });
});

describe("a legacy ReAct agent (agent-react.sse)", () => {
  it("gives the follower the final answer alone, not the thoughts streamed before it", async () => {
    expect((await (await clientReplay("agent-react", "chat")).run).text).toBe(FINAL);
    const { reply } = await askWithReplay("agent-react");
    expect(reply.content).toBe(asFollowerSees(FINAL));
  });
});

describe("the new Agent App, whose closing message holds only the final output (agent-app.sse)", () => {
  it("replaces the streamed segments with it instead of appending, so the answer comes once", async () => {
    const { run, seen } = await clientReplay("agent-app", "chat");
    expect((await run).text).toBe(FINAL);
    expect(seen.at(-1)).toBe(FINAL);
    const { reply } = await askWithReplay("agent-app");
    expect(reply.content).toBe(asFollowerSees(FINAL));
  });
});
