/**
 * The pure side of the owner's rules: reading KEYWORD_REPLIES, HANDOFF_KEYWORDS and BLOCKED_OPENIDS, and the guard
 * that keeps a regex rule from backtracking for ever.
 */
import { describe, expect, it } from "vitest";
import { keywordReply, menuKeyReply, parseBlockedOpenids, parseKeywordRules, slowPatternReason } from "../../src/owner-rules";
import { parseHandoffKeywords } from "../../src/owner-rules/handoff";

function rules(value: unknown): { problems: string[]; count: number; reply: (text: string) => string | undefined } {
  const problems: string[] = [];
  const parsed = parseKeywordRules(value, problems);
  return { problems, count: parsed.length, reply: (text) => keywordReply(parsed, text) };
}

describe("KEYWORD_REPLIES", () => {
  it("is empty when unset, and names a value that is not a JSON list in one line", () => {
    expect(rules(undefined)).toMatchObject({ problems: [], count: 0 });
    expect(rules("")).toMatchObject({ problems: [], count: 0 });
    for (const bad of ["[{", '{"keyword": "a", "reply": "b"}', "42"]) {
      expect(rules(bad).problems).toEqual(["KEYWORD_REPLIES is not a JSON list of {match, keyword, reply}: no keyword replies"]);
    }
  });

  it("takes a TOML array as wrangler.toml hands it over, and exact as the default match", () => {
    const { problems, reply } = rules([{ keyword: "Hours", reply: "9-18" }]);
    expect(problems).toEqual([]);
    expect(reply("hours")).toBe("9-18");
    expect(reply("opening hours")).toBeUndefined();
  });

  it("skips each unusable rule with its index and reason, keeping the rest", () => {
    const { problems, count } = rules(JSON.stringify([
      "just a string",
      { keyword: " ", reply: "x" },
      { keyword: "a", reply: "" },
      { keyword: "a", reply: "长".repeat(700) },
      { keyword: "ok", reply: "fine" },
    ]));
    expect(problems).toEqual([
      "KEYWORD_REPLIES[0] is not an object: rule skipped",
      "KEYWORD_REPLIES[1] has no keyword: rule skipped",
      "KEYWORD_REPLIES[2] has no reply: rule skipped",
      "KEYWORD_REPLIES[3] has a reply over 2048 bytes: rule skipped",
    ]);
    expect(count).toBe(1);
  });

  it("folds ASCII letters only: other scripts' case is kept", () => {
    const { reply } = rules([{ match: "contains", keyword: "ÉTÉ", reply: "summer" }]);
    expect(reply("été")).toBeUndefined();
    expect(reply("un ÉTÉ chaud")).toBe("summer");
  });

  it("matches a CLICK key by equality only, whatever the rule's match", () => {
    const parsed = parseKeywordRules([{ match: "contains", keyword: "PRICE", reply: "see the list" }], []);
    expect(menuKeyReply(parsed, "price")).toBe("see the list");
    expect(menuKeyReply(parsed, "PRICE_LIST")).toBeUndefined();
    expect(menuKeyReply(parsed, " ")).toBeUndefined();
  });
});

describe("the regex guard", () => {
  const accepted = [
    String.raw`^订单\s*\d{6,}$`, "(退款|退货)", String.raw`^(?:hi|hello)\b`, "[a-z]+@[a-z]+", "(ab)+", String.raw`\p{Script=Han}+`,
    String.raw`(?<year>\d{4})-\d{2}`, "[(|+]+x", String.raw`\(a+\)+`, "(?:退款)?", ".*a.*b.*c",
  ];
  const refused: Array<[string, RegExp]> = [
    ["(a+)+$", /repeated group/], ["(a|b)*", /repeated group/], ["(a?){30}", /repeated group/], [String.raw`((\d)*)+`, /repeated group/],
    [String.raw`(?:x|\s+y)+z`, /repeated group/], [String.raw`(a)\1`, /backreference/], [String.raw`(?<x>a)\k<x>`, /backreference/],
    [".*a.*b.*c.*d", /more than 3/], ["a{1,5}b{2,}c+d*", /more than 3/],
  ];
  for (const pattern of accepted) {
    it(`accepts ${pattern}`, () => {
      expect(() => new RegExp(pattern, "iu")).not.toThrow();
      expect(slowPatternReason(pattern)).toBeUndefined();
    });
  }
  for (const [pattern, why] of refused) {
    it(`refuses ${pattern}`, () => expect(slowPatternReason(pattern)).toMatch(why));
  }
  it("lets no accepted pattern take long on the longest text a regex rule sees", () => {
    const started = Date.now();
    for (const pattern of [...accepted, "a*a*a*x", String.raw`\s*\s*\s*x`]) new RegExp(pattern, "iu").test("a".repeat(160));
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("HANDOFF_KEYWORDS and BLOCKED_OPENIDS", () => {
  it("use the default keywords when unset, none when empty, and take either comma", () => {
    expect(parseHandoffKeywords(undefined)).toEqual(["人工", "转人工", "人工客服"]);
    expect(parseHandoffKeywords("")).toEqual([]);
    expect(parseHandoffKeywords(" Agent ，客服, ")).toEqual(["agent", "客服"]);
  });

  it("read openids exactly, split on commas or spaces", () => {
    expect([...parseBlockedOpenids("oA, oB ,oC oA")]).toEqual(["oA", "oB", "oC"]);
    expect(parseBlockedOpenids(undefined).size).toBe(0);
    expect(parseBlockedOpenids("oA").has("oa")).toBe(false);
  });
});
