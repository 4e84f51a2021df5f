/**
 * RATE_LIMIT_PER_HOUR (3 in the "rules" project) and BLOCKED_OPENIDS through real callbacks.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildTexts } from "../../src/texts";
import { eventXml, readReply, textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { followerFootprint, NO_FOOTPRINT } from "../support/state-probe";
import { callbackFor, inFollowerObject, post } from "./callbacks";

const RATE_LIMITED = buildTexts("zh_Hans", {}).rateLimited;

async function ask(openid: string, content: string): Promise<string | undefined> {
  return (await post(textMessageXml({ openid, content }))).content;
}

describe("the rate limit", () => {
  it("answers the question past RATE_LIMIT_PER_HOUR with the limit text, also on WeChat's retries, and asks Dify nothing", async () => {
    const openid = newOpenid("rate");
    for (const q of ["问题一", "问题二", "问题三"]) expect(await ask(openid, q)).toBe(`echo: ${q}`);
    const fourth = textMessageXml({ openid, content: "问题四" });
    expect((await post(fourth)).content).toBe(RATE_LIMITED);
    expect((await readReply(await exports.default.fetch(await callbackFor(fourth)), "safe")).content).toBe(RATE_LIMITED);
    expect(await difyAsks(openid)).toHaveLength(3);
  });

  it("counts only questions that call Dify: not 1, /clear, keyword replies, or questions it refused", async () => {
    const openid = newOpenid("rate-count");
    // A long answer: its first part now, the next one for a 1.
    expect(await ask(openid, "[long=1500] 问题一")).toMatch(/查看后续/);
    expect(await ask(openid, "1")).not.toMatch(/^echo: /);
    // (The rest of that answer still waits for 1: the replies below carry a reminder of it.)
    expect(await ask(openid, "/clear")).toBe(buildTexts("zh_Hans", {}).cleared);
    expect(await ask(openid, "营业时间")).toBe("每天 9:00–18:00");
    expect(await ask(openid, "问题二")).toMatch(/^echo: 问题二/);
    expect(await ask(openid, "问题三")).toMatch(/^echo: 问题三/);
    expect(await ask(openid, "问题四")).toBe(RATE_LIMITED);
    expect(await ask(openid, "问题五")).toBe(RATE_LIMITED);
    // The refused questions did not count: once the first question is over an hour old, one more may be asked.
    await inFollowerObject(openid, "UPDATE jobs SET first_seen = first_seen - 3600001 WHERE work LIKE '%问题一%'");
    expect(await ask(openid, "问题六")).toMatch(/^echo: 问题六/);
    expect(await ask(openid, "问题七")).toBe(RATE_LIMITED);
  });

  it("starts again after an unsubscribe, which forgets the follower's questions", async () => {
    const openid = newOpenid("rate-unsub");
    for (const q of ["一", "二", "三"]) await ask(openid, q);
    expect(await ask(openid, "四")).toBe(RATE_LIMITED);
    await post(eventXml({ openid, event: "unsubscribe" }));
    expect(await ask(openid, "五")).toBe("echo: 五");
  });
});

describe("a blocked openid", () => {
  it("gets success and leaves nothing behind: no object, no row, no Dify call", async () => {
    for (const openid of ["o_blocked_rules_1", "o_blocked_rules_2"]) {
      const reply = await post(textMessageXml({ openid, content: "你好" }));
      expect(reply).toMatchObject({ status: 200, raw: "success" });
      expect(await followerFootprint(openid)).toEqual(NO_FOOTPRINT);
    }
  });
});
