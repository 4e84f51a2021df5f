import { describe, expect, it } from "vitest";
import { markdownImageUrls, markdownToWechatText } from "../../src/text/markdown.js";

const md = (lines: string[]): string => lines.join("\n");

describe("markdownToWechatText", () => {
  it("puts headings on their own line, bracketed for the top three levels", () => {
    const text = markdownToWechatText(md(["# 标题", "正文", "", "### Third", "", "#### Fourth **bold**", "tail"]));
    expect(text).toBe(md(["【标题】", "", "正文", "", "【Third】", "", "Fourth bold", "", "tail"]));
  });

  it("turns bold, emphasis, strikethrough and inline code into their text", () => {
    expect(markdownToWechatText("a **b** *c* _d_ ~~e~~ `f*g*` __h__")).toBe("a b c d e f*g* h");
  });

  it("keeps single tildes, which Chinese answers use for ranges", () => {
    expect(markdownToWechatText("价格在10~20元之间，重量5~8公斤")).toBe("价格在10~20元之间，重量5~8公斤");
  });

  it("keeps asterisks used as multiplication between letters or digits", () => {
    expect(markdownToWechatText("2*3*4 = 24, a*b*c, but 这是*重点*内容")).toBe("2*3*4 = 24, a*b*c, but 这是重点内容");
  });

  it("removes bold markers that CommonMark leaves around CJK punctuation", () => {
    expect(markdownToWechatText("**注意：**这是重点，**请记住。**好的")).toBe("注意：这是重点，请记住。好的");
  });

  it("renders bullet lists with nesting indentation and ordered lists with their numbers", () => {
    const text = markdownToWechatText(md(["- one", "- two", "  - two.a", "    - deep", "- three", "", "3. c", "4. d"]));
    expect(text).toBe(md(["• one", "• two", "  ◦ two.a", "    ▪ deep", "• three", "", "3. c", "4. d"]));
  });

  it("indents an ordered item's continuation lines under its text", () => {
    const text = markdownToWechatText(md(["1. first", "   ```", "   code line", "   ```", "2. second"]));
    expect(text).toBe(md(["1. first", "   code line", "2. second"]));
  });

  it("keeps blank lines between the items of a loose list", () => {
    expect(markdownToWechatText(md(["- a", "", "- b"]))).toBe(md(["• a", "", "• b"]));
  });

  it("shows task list items as checked or unchecked boxes", () => {
    expect(markdownToWechatText(md(["- [x] done", "- [ ] todo"]))).toBe(md(["• ☑ done", "• ☐ todo"]));
  });

  it("prefixes block quote lines, nested content included", () => {
    const text = markdownToWechatText(md(["> quoted **text**", ">", "> - item", "", "after"]));
    expect(text).toBe(md(["> quoted text", ">", "> • item", "", "after"]));
  });

  it("keeps fenced code verbatim without the fences or language", () => {
    const code = ["function f(a) {", "  return a * 2; // **not bold**", "", "\tindented with a tab", "}"];
    const text = markdownToWechatText(md(["Look:", "", "```js", ...code, "```", "", "Done."]));
    expect(text).toBe(md(["Look:", "", ...code, "", "Done."]));
  });

  it("keeps indented code verbatim without its indentation", () => {
    const text = markdownToWechatText(md(["para", "", "    x = 1", "      y = [a](b)"]));
    expect(text).toBe(md(["para", "", "x = 1", "  y = [a](b)"]));
  });

  it("renders tables as rows of cells separated by bars, header first", () => {
    const text = markdownToWechatText(md(["| 名称 | 价格 |", "| --- | ---: |", "| **苹果** | 5 |", "| 香蕉 | `3` |"]));
    expect(text).toBe(md(["名称 | 价格", "苹果 | 5", "香蕉 | 3"]));
  });

  it("shows links as text followed by the URL, or the URL alone when they match", () => {
    const text = markdownToWechatText(
      "[Dify](https://dify.ai) and [https://a.com/x](https://a.com/x) and <https://b.com> and https://c.com/p?q=1",
    );
    expect(text).toBe("Dify (https://dify.ai) and https://a.com/x and https://b.com and https://c.com/p?q=1");
  });

  it("drops in-page anchors and shows mail links without the scheme", () => {
    expect(markdownToWechatText("[top](#top) [mail me](mailto:a@b.com)")).toBe("top mail me (a@b.com)");
  });

  it("resolves reference-style links and drops their definitions", () => {
    expect(markdownToWechatText(md(["See [docs][d].", "", "[d]: https://docs.example.com"]))).toBe(
      "See docs (https://docs.example.com).",
    );
  });

  it("shows images as their URL", () => {
    expect(markdownToWechatText("看图：![示意图](https://img.example.com/a.png)")).toBe("看图：https://img.example.com/a.png");
  });

  it("turns a horizontal rule into a line of its own", () => {
    const text = markdownToWechatText(md(["above", "", "---", "", "below"]));
    expect(text).toBe(md(["above", "", "──────────", "", "below"]));
  });

  it("strips HTML tags but keeps their text, and decodes entities", () => {
    expect(markdownToWechatText("a <b>bold</b> line<br>next &amp; &lt;tag&gt; &nbsp;x &#x4F60;")).toBe(
      "a bold line\nnext & <tag>  x 你",
    );
    const block = md(['<div align="center">', "<p>Hello <i>there</i></p>", "</div>", "", "text"]);
    expect(markdownToWechatText(block)).toBe(md(["Hello there", "", "text"]));
  });

  it("drops scripts, styles and comments from HTML blocks", () => {
    expect(markdownToWechatText(md(["<style>p{color:red}</style>", "", "<!-- note -->", "", "kept"]))).toBe("kept");
  });

  it("keeps backslash escapes as the literal character", () => {
    expect(markdownToWechatText("1\\*2\\*3 \\# \\[x\\]")).toBe("1*2*3 # [x]");
  });

  it("keeps paragraphs apart by exactly one blank line and leaves no trailing spaces", () => {
    const text = markdownToWechatText("first line  \nhard break\n\n\n\nsecond   \n\n");
    expect(text).toBe(md(["first line", "hard break", "", "second"]));
    expect(text).not.toMatch(/[ \t]$/m);
  });

  it("removes think blocks, multiple and nested", () => {
    const source = "<think>plan <think>inner</think> more</think>\n\n答案一\n\n<think>again</think>答案二";
    const text = markdownToWechatText(source);
    expect(text).toBe(md(["答案一", "", "答案二"]));
  });

  it("removes an unterminated leading think block entirely", () => {
    expect(markdownToWechatText("<think>\nstill reasoning about **it**\n\nmore")).toBe("");
  });

  it("removes the reasoning before a closing think tag whose opening tag is missing", () => {
    expect(markdownToWechatText("reasoning here\n</think>\n\n**Answer**")).toBe("Answer");
  });

  it("returns plain text unchanged", () => {
    expect(markdownToWechatText("你好，我是助手。有什么可以帮你？")).toBe("你好，我是助手。有什么可以帮你？");
  });

  it("never throws, whatever it is given", () => {
    const nasty = [
      "",
      "```",
      "<think>",
      "</think>",
      "[",
      "![](",
      "| a |\n|",
      "<div",
      "&#xFFFFFFF; &#0; &#xD800;",
      "*".repeat(5000),
      "> ".repeat(2000),
      "- ".repeat(2000),
      "\u0000\uD800\uDFFF\uFFFF",
      "[a](<b>)".repeat(500),
    ];
    for (const input of nasty) expect(() => markdownToWechatText(input)).not.toThrow();
    expect(markdownToWechatText(undefined as unknown as string)).toBe("");
  });
});

describe("markdownImageUrls", () => {
  it("lists image URLs in order of appearance, each once", () => {
    const source = md([
      "![a](https://x.com/1.png) text [![b](https://x.com/2.png)](https://link)",
      "",
      "- ![c](https://x.com/3.png)",
      "",
      "| img |",
      "| --- |",
      "| ![d](https://x.com/4.png) |",
      "",
      "![again](https://x.com/1.png)",
    ]);
    expect(markdownImageUrls(source)).toEqual([1, 2, 3, 4].map((n) => `https://x.com/${n}.png`));
  });

  it("ignores images inside thinking and inside code", () => {
    const source = "<think>![t](https://t.png)</think>`![c](https://c.png)`\n\n![k](https://k.png)";
    expect(markdownImageUrls(source)).toEqual(["https://k.png"]);
  });

  it("returns nothing for text without images", () => {
    expect(markdownImageUrls("just [a link](https://a.com)")).toEqual([]);
  });
});
