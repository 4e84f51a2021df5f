import { describe, expect, it } from "vitest";
import { streamEntry } from "../support/dify-streams.js";
import { csSent, eventually } from "../support/wechat-api-records.js";
import { asFollowerSees, askWithReplay } from "../support/replay-worker.js";

const STREAM = "agent";

describe(`recorded Dify stream ${STREAM}.sse in CS mode (legacy agent-chat with a tool image)`, () => {
  it("gives the answer text passively and pushes the tool's image once as a WeChat image", async () => {
    const { expect: want } = await streamEntry(STREAM);
    const { openid, reply } = await askWithReplay(STREAM);
    expect(reply.content).toBe(asFollowerSees(want.answer!));
    const sent = await eventually(() => csSent(openid), (list) => list.length > 0, 15_000);
    expect(sent.map((m) => m.msgtype)).toEqual(want.files!.map(() => "image"));
    expect(typeof sent[0]?.image?.media_id).toBe("string");
  });
});
