import { describe, expect, it } from "vitest";
import { markdownToWechatText } from "../../src/text/markdown.js";
import { SEGMENT_LINES, segmentMarkdown } from "../../src/text/segments.js";

/** Long answers are lexed in bounded segments; a reader sees the same text as if they were lexed whole. */
describe("segmentMarkdown", () => {
  it("keeps an answer within the limits as one segment, exactly as written", () => {
    const text = "# Title\n\nA paragraph.\n\n- a\n- b\n";
    expect(segmentMarkdown(text)).toEqual([{ text, joiner: "\n\n" }]);
  });

  it("cuts a long answer at blank lines before top-level blocks, and never inside a code fence", () => {
    const code = `\`\`\`\n${"x = 1\n\ny = 2\n".repeat(SEGMENT_LINES)}\`\`\``;
    const text = [...Array.from({ length: 80 }, (_, i) => `Paragraph ${i}.`), code, "After."].join("\n\n");
    const segments = segmentMarkdown(text);
    expect(segments.length).toBeGreaterThan(1);
    expect(segments.map((s) => s.text).join("\n")).toBe(text);
    expect(segments.some((s) => s.text.includes(code))).toBe(true);
    for (const segment of segments.slice(1)) expect(segment.joiner).toBe("\n\n");
  });

  it("renders a long answer of paragraphs, lists and a table the same as its parts", () => {
    const paragraphs = Array.from({ length: 150 }, (_, i) => `Paragraph **${i}**.`).join("\n\n");
    expect(markdownToWechatText(paragraphs)).toBe(Array.from({ length: 150 }, (_, i) => `Paragraph ${i}.`).join("\n\n"));
    const numbered = Array.from({ length: 1_000 }, (_, i) => `${i + 1}. step`).join("\n");
    expect(markdownToWechatText(numbered)).toBe(numbered);
    const table = ["| a | b |", "|---|---|", ...Array.from({ length: 350 }, (_, i) => `| ${i} | x |`)].join("\n");
    expect(markdownToWechatText(table)).toBe(["a | b", ...Array.from({ length: 350 }, (_, i) => `${i} | x`)].join("\n"));
  });

  it("lets a link in an early segment use a reference defined at the end", () => {
    const body = Array.from({ length: 300 }, (_, i) => `Line ${i}.`).join("\n\n");
    const text = markdownToWechatText(`See [the docs][1].\n\n${body}\n\n[1]: https://docs.dify.ai`);
    expect(text.startsWith("See the docs (https://docs.dify.ai).")).toBe(true);
    expect(text).not.toContain("[1]");
  });

  it("cuts a list of 400-line nested items only at lines, keeping every line", () => {
    const items = Array.from({ length: 2_000 }, (_, i) => (i % 2 === 0 ? `- item ${i}` : `  - sub ${i}`)).join("\n");
    const segments = segmentMarkdown(items);
    expect(segments.length).toBeGreaterThan(1);
    expect(segments.map((s) => s.text).join("\n")).toBe(items);
    for (const segment of segments.slice(1)) expect(segment.text.startsWith("- item")).toBe(true);
  });
});
