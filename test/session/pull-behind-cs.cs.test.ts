/**
 * A "1" sent while the first parts of an answer are still on their way by CS does not overtake them: it gets the
 * holding text, and the parts that wait for "1" are handed out after the CS parts, in order. Found by the session
 * model (test/session/session-model.model.test.ts, seed 99, path 6, CS mode).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { configFor, type AppEnv } from "../../src/config";
import { withoutNotes } from "./model/received";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";
import { csTexts, eventually } from "../support/wechat-api-records";
import { chineseProse } from "../support/prose";

const texts = configFor(env as AppEnv).texts;
/** Whether a text ends with the "reply 1 for more" note (as the deployment writes it). */
const noted = (text: string | undefined): boolean => text !== undefined && withoutNotes(text, texts) !== text;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a 1 while CS parts are still queued", () => {
  it("waits behind them, so the follower reads the answer in order", async () => {
    const openid = newOpenid("pull-behind-cs");
    // Many parts: the first as the reply as soon as it is final, five for CS (held a second behind it), the rest for "1".
    const first = await postOnce(textMessageXml({ openid, content: "[long=6000] 很长的回答" }));
    expect(first.content?.length).toBeGreaterThan(0);
    const early = await postOnce(textMessageXml({ openid, content: "1" }));
    expect(early.content).toBe(texts.holding);
    const cs = await eventually(() => csTexts(openid), (texts) => texts.length >= 5, 20_000);
    await sleep(1000);
    const read = [first.content ?? "", ...cs];
    while (noted(read.at(-1)) && read.length < 30) read.push((await postOnce(textMessageXml({ openid, content: "1" }))).content ?? "");
    expect(read.map((t) => withoutNotes(t, texts)).join("").replace(/\s/g, "")).toBe(chineseProse(6000).replace(/\s/g, ""));
  });
});
