/**
 * KEYWORD_REPLIES through real callbacks (the "rules" project's rules, vitest.config.ts): the first matching rule
 * answers at once and Dify is not asked; CLICK keys match by equality; bad rules are named and skipped.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { configFor, type AppEnv } from "../../src/config";
import { eventXml, readReply, textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { callbackFor, post } from "./callbacks";

describe("keyword replies", () => {
  it("answer an exact keyword at once, ignoring surrounding spaces, with no Dify call", async () => {
    const openid = newOpenid("kw-exact");
    expect((await post(textMessageXml({ openid, content: "  营业时间 " }))).content).toBe("每天 9:00–18:00");
    expect(await difyAsks(openid)).toEqual([]);
  });

  it("take the first rule that matches: an exact rule before a later contains rule, and that one for other texts", async () => {
    const openid = newOpenid("kw-first");
    expect((await post(textMessageXml({ openid, content: "营业时间" }))).content).toBe("每天 9:00–18:00");
    expect((await post(textMessageXml({ openid, content: "今天营业吗" }))).content).toBe("我们正在营业。");
    expect(await difyAsks(openid)).toEqual([]);
  });

  it("ignore ASCII case in contains and regex rules", async () => {
    const openid = newOpenid("kw-case");
    expect((await post(textMessageXml({ openid, content: "how do I get a REFUND?" }))).content).toBe("Refunds: open the order page.");
    expect((await post(textMessageXml({ openid, content: "HELLO world" }))).content).toBe("Hi there!");
    expect(await difyAsks(openid)).toEqual([]);
  });

  it("run a regex rule on short texts only, so a long text goes to Dify", async () => {
    const openid = newOpenid("kw-regex");
    expect((await post(textMessageXml({ openid, content: "订单 123456" }))).content).toBe("订单查询请登录官网。");
    const long = `订单 ${"1".repeat(200)}`;
    expect((await post(textMessageXml({ openid, content: long }))).content).toBe(`echo: ${long}`);
    expect(await difyAsks(openid)).toHaveLength(1);
  });

  it("skip a rule whose regex could backtrack for ever: the text that would hang it is answered by Dify at once", async () => {
    const openid = newOpenid("kw-redos");
    const started = Date.now();
    const text = `${"a".repeat(40)}!`;
    expect((await post(textMessageXml({ openid, content: text }))).content).toBe(`echo: ${text}`);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("give WeChat's retries of a keyword message the same reply", async () => {
    const openid = newOpenid("kw-retry");
    const xml = textMessageXml({ openid, content: "营业时间" });
    const first = await readReply(await exports.default.fetch(await callbackFor(xml)), "safe");
    const retry = await readReply(await exports.default.fetch(await callbackFor(xml)), "safe");
    expect([first.content, retry.content]).toEqual(["每天 9:00–18:00", "每天 9:00–18:00"]);
  });

  it("answer a CLICK whose key equals a rule's keyword, in any ASCII case, and ask Dify for other keys", async () => {
    const openid = newOpenid("kw-click");
    expect((await post(eventXml({ openid, event: "CLICK", eventKey: "menu_hours" }))).content).toBe("每天 9:00–18:00（菜单）");
    // A key is not searched: "营业" is a contains rule's keyword, but this key only contains it.
    const other = await post(eventXml({ openid, event: "CLICK", eventKey: "营业地点", createTime: Math.floor(Date.now() / 1000) + 1 }));
    expect(other.content).toBe("echo: 营业地点");
    expect((await difyAsks(openid)).map((c) => c.body.query)).toEqual(["营业地点"]);
  });

  it("name each rule that cannot be used in one problem line and keep the others", () => {
    const problems = configFor(env as AppEnv).problems.filter((p) => p.startsWith("KEYWORD_REPLIES"));
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^KEYWORD_REPLIES\[3\] has a regex that could take too long: a repeated group/);
    expect(problems[1]).toMatch(/^KEYWORD_REPLIES\[4\] has a regex that does not compile/);
    expect(problems[2]).toMatch(/^KEYWORD_REPLIES\[5\] has match "shout"/);
    expect(problems[3]).toMatch(/^KEYWORD_REPLIES\[6\] has a regex that could take too long: it has more than 3 repeating/);
    expect(configFor(env as AppEnv).ownerRules.keywordReplies).toHaveLength(7);
  });
});
