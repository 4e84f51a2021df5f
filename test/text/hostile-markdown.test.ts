import { describe, expect, it } from "vitest";
import { MAX_DELIMITERS, MAX_NESTING, MAX_STOPS_PER_WORD } from "../../src/text/defuse.js";
import { MAX_SHAPED_CHARS, markdownImageUrls, markdownToWechatText, shapeMarkdown } from "../../src/text/markdown.js";

/**
 * Inputs that made marked superlinear or overflow its stack (see src/text/defuse.ts) come out right: as written
 * where they are pathological, shaped everywhere else. Speed is the bench's business (`npm run bench -- --only cpu`).
 */
describe("markdownToWechatText on hostile Markdown", () => {
  it("keeps a paragraph of 20,000 intraword underscores as written", () => {
    const text = "_a".repeat(10_000);
    expect(markdownToWechatText(text)).toBe(text);
  });

  it("keeps 5,000 nested strong markers around a word as written", () => {
    const text = `${"**".repeat(2_500)}a${"**".repeat(2_500)}`;
    expect(markdownToWechatText(text)).toBe(text);
  });

  it("shows a paragraph with too many emphasis markers as written, code spans and URLs in it included", () => {
    const hostile = `${"*a".repeat(MAX_DELIMITERS)} \`x_y\` https://a.b/c_d`;
    const text = markdownToWechatText(`Intro **bold**.\n\n${hostile}\n\nEnd *em*.`);
    expect(text).toBe(`Intro bold.\n\n${"*a".repeat(MAX_DELIMITERS)} x_y https://a.b/c_d\n\nEnd em.`);
  });

  it("keeps a word of 20,000 exclamation marks, and one of backticks and bangs, as written", () => {
    expect(markdownToWechatText("!".repeat(20_000))).toBe("!".repeat(20_000));
    const word = "!&!!`".repeat(4_000);
    expect(markdownToWechatText(`Wow!!! **yes** ${word}`)).toBe(`Wow!!! yes ${word}`);
  });

  it("keeps a paragraph of thousands of unclosed HTML comments or instructions as written", () => {
    const text = "a<!--".repeat(10_000);
    expect(markdownToWechatText(text)).toBe(text);
    const instructions = "a<?b".repeat(10_000);
    expect(markdownToWechatText(instructions)).toBe(instructions);
  });

  it("keeps a 60,000-character run of bare URLs and brackets as written", () => {
    const run = "www.x](".repeat(9_000);
    expect(markdownToWechatText(run)).toBe(run);
    expect(markdownToWechatText("See www.dify.ai (docs).")).toBe("See www.dify.ai (docs).");
  });

  it("still shapes a word with as many stops as allowed", () => {
    const word = "a**b**".repeat(MAX_STOPS_PER_WORD / 4);
    expect(markdownToWechatText(word)).toBe("ab".repeat(MAX_STOPS_PER_WORD / 4));
  });

  it("still shapes a paragraph with as many emphasis markers as allowed", () => {
    const text = "**b** ".repeat(MAX_DELIMITERS / 4);
    expect(markdownToWechatText(text)).toBe("b ".repeat(MAX_DELIMITERS / 4).trimEnd());
  });

  it("counts list items, headings and table rows each on their own", () => {
    const list = Array.from({ length: 300 }, (_, i) => `- **item ${i}**`).join("\n");
    expect(markdownToWechatText(list)).toBe(Array.from({ length: 300 }, (_, i) => `• item ${i}`).join("\n"));
    const table = ["| a | b |", "|---|---|", ...Array.from({ length: 300 }, () => "| **x** | _y_ |")].join("\n");
    expect(markdownToWechatText(table)).toBe(["a | b", ...Array.from({ length: 300 }, () => "x | y")].join("\n"));
  });

  it("nests block quotes and lists at most six deep on a line and shows deeper markers as written", () => {
    expect(MAX_NESTING).toBe(6);
    expect(markdownToWechatText(`${">".repeat(5_000)} a`)).toBe(`> > > > > > ${">".repeat(4_994)} a`);
    expect(markdownToWechatText(`${"- ".repeat(10)}a`)).toBe("• ◦ ▪ ▪ ▪ ▪ - - - - a");
  });

  it("keeps a thematic break of many markers a rule", () => {
    expect(markdownToWechatText("a\n\n- - - - - - - - - -\n\nb")).toBe("a\n\n──────────\n\nb");
  });

  it("renders thousands of one-line list items as bullets", () => {
    const list = "- item\n".repeat(5_000);
    expect(markdownToWechatText(list)).toBe(Array.from({ length: 5_000 }, () => "• item").join("\n"));
  });

  it("leaves text in code fences alone, however many markers it holds", () => {
    const code = "x_y = a_b * c_d\n".repeat(200);
    expect(markdownToWechatText(`\`\`\`py\n${code}\`\`\``)).toBe(code.trimEnd());
  });

  it("reads Windows line ends as marked does, so a closed fence does not hide a hostile paragraph after it", () => {
    const hostile = "*a".repeat(MAX_DELIMITERS + 1);
    expect(markdownToWechatText(`\`\`\`\r\ncode\r\n\`\`\`\r\n\r\n${hostile}`)).toBe(`code\n\n${hostile}`);
  });

  it("turns the placeholders it uses into U+FFFD where the answer itself has them", () => {
    expect(markdownToWechatText("a\uFDD0b **c**")).toBe("a\uFFFDb c");
  });

  it("keeps HTML-like runs without '>' and long runs of slashes, blanks and blank lines as text", () => {
    expect(markdownToWechatText("<script ".repeat(3_000))).toBe("<script ".repeat(3_000).trimEnd());
    // A 20,000-character run without blanks that holds a URL: its "(" are kept as written (see defuse.ts).
    const slashes = `[${"/".repeat(20_000)}x](http://a/)`;
    expect(markdownToWechatText(slashes)).toBe(slashes);
    expect(markdownToWechatText(`[${"/".repeat(2_000)}x](http://a/)`)).toBe(`${"/".repeat(2_000)}x (http://a/)`);
    expect(markdownToWechatText(`# a${" ".repeat(20_000)}b`)).toBe(`【a${" ".repeat(20_000)}b】`);
    expect(markdownToWechatText(`\`\`\`\na${"\n".repeat(20_000)}b\n\`\`\``)).toBe(`a${"\n".repeat(20_000)}b`);
  });
});

describe("the shaping cap", () => {
  it("shapes the first MAX_SHAPED_CHARS and delivers the rest as written", () => {
    const paragraph = "**b** para.\n\n";
    const answer = paragraph.repeat(Math.ceil((MAX_SHAPED_CHARS * 1.2) / paragraph.length));
    const text = markdownToWechatText(answer);
    const shapedParagraphs = Math.floor(MAX_SHAPED_CHARS / paragraph.length);
    const rest = answer.slice(shapedParagraphs * paragraph.length).trimEnd();
    expect(text).toBe(`${Array.from({ length: shapedParagraphs }, () => "b para.").join("\n\n")}\n\n${rest}`);
  });

  it("cuts a text without line breaks at the cap and loses nothing", () => {
    const answer = "字".repeat(MAX_SHAPED_CHARS + 10);
    expect(markdownToWechatText(answer)).toBe(`${"字".repeat(MAX_SHAPED_CHARS)}\n\n${"字".repeat(10)}`);
  });

  it("never cuts a surrogate pair at the cap", () => {
    const answer = `a${"😀".repeat(MAX_SHAPED_CHARS / 2)}`;
    const text = markdownToWechatText(answer);
    expect(text.replace("\n\n", "")).toBe(answer);
    expect(text).not.toMatch(/[\uD800-\uDBFF]\n|\n[\uDC00-\uDFFF]/);
  });
});

describe("shapeMarkdown", () => {
  it("gives the text and the image URLs of one lexing, the same as the two wrappers", () => {
    const answer = "See ![chart](https://x.io/a_b.png) and **this**.\n\n![again](https://x.io/a_b.png)";
    const shaped = shapeMarkdown(answer);
    expect(shaped).toEqual({
      text: "See https://x.io/a_b.png and this.\n\nhttps://x.io/a_b.png",
      imageUrls: ["https://x.io/a_b.png"],
    });
    expect(markdownToWechatText(answer)).toBe(shaped.text);
    expect(markdownImageUrls(answer)).toEqual(shaped.imageUrls);
  });

  it("finds images inside a run shown as written", () => {
    const answer = `![i](https://x.io/p_q.png) ${"_a".repeat(MAX_DELIMITERS)}`;
    expect(shapeMarkdown(answer).imageUrls).toEqual(["https://x.io/p_q.png"]);
  });

  it("hands out copies, so a caller changing its list changes nothing for the next", () => {
    const answer = "![i](https://x.io/1.png)";
    shapeMarkdown(answer).imageUrls.push("https://evil.example/");
    expect(markdownImageUrls(answer)).toEqual(["https://x.io/1.png"]);
  });
});
