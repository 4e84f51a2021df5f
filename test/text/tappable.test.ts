import { describe, expect, it } from "vitest";
import { TAPPABLE_ONE, withTappableOne } from "../../src/text/tappable";
import { readConfig, type AppEnv } from "../../src/config";
import { fill } from "../../src/texts";

const config = (settings: Record<string, string>) =>
  readConfig({ WECHAT_TOKEN: "t", DIFY_API_KEY: "app-k", ...settings } as unknown as AppEnv);

describe("withTappableOne", () => {
  it("makes the lone 1 of a 'reply 1' text WeChat's bizmsgmenu link, in every language", () => {
    expect(withTappableOne("生成答复中，继续等待请回复1")).toBe(`生成答复中，继续等待请回复${TAPPABLE_ONE}`);
    expect(withTappableOne("Reply 1 any time later to read it.")).toBe(`Reply ${TAPPABLE_ONE} any time later to read it.`);
    expect(withTappableOne("（続きは1を返信してください {current}/{total}）")).toBe(`（続きは${TAPPABLE_ONE}を返信してください {current}/{total}）`);
    expect(withTappableOne("responda 1 para ver mais")).toBe(`responda ${TAPPABLE_ONE} para ver mais`);
  });

  it("never takes a 1 that is part of a number, a word or a placeholder, and leaves a text without one alone", () => {
    expect(withTappableOne("wait 10 s or H1N1")).toBe("wait 10 s or H1N1");
    expect(withTappableOne("{1} then 1")).toBe(`{1} then ${TAPPABLE_ONE}`);
    expect(withTappableOne("nothing to tap")).toBe("nothing to tap");
    expect(withTappableOne(withTappableOne("回复1"))).toBe(`回复${TAPPABLE_ONE}`);
  });

  it("leaves the numbers filled into a note alone", () => {
    const note = withTappableOne("（内容较长，回复1查看后续 {current}/{total}）");
    expect(fill(note, { current: 1, total: 11 })).toBe(`（内容较长，回复${TAPPABLE_ONE}查看后续 1/11）`);
  });
});

describe("CONTINUE_LINK", () => {
  it("is on by default for every text that asks for 1, and off leaves the texts as written", () => {
    const on = config({}).texts;
    for (const text of [on.continuePrompt, on.continueLater, on.moreParts, on.earlierWaiting]) expect(text).toContain(TAPPABLE_ONE);
    expect(on.holding).not.toContain("<a ");
    const off = config({ CONTINUE_LINK: "false" }).texts;
    expect(off.continuePrompt).toBe("生成答复中，继续等待请回复1");
    expect(off.moreParts).not.toContain("<a ");
  });

  it("applies to texts the owner replaced too", () => {
    expect(config({ CONTINUE_WAITING_MESSAGE: "请回复 1 继续" }).texts.continuePrompt).toBe(`请回复 ${TAPPABLE_ONE} 继续`);
  });
});
