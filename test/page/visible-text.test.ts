import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VisibleText } from "../../src/page/visible-text.js";
import { stripThinking } from "../../src/text/think.js";

/** What a page shows after applying every delta's change in order. */
function follow(deltas: readonly string[]): string {
  const visible = new VisibleText();
  let shown = "";
  for (const delta of deltas) {
    const change = visible.push(delta);
    shown = (change.reset ? "" : shown) + change.text;
  }
  return shown + visible.end().text;
}

/** `text` cut at the given sizes (the rest as the last piece). */
function cut(text: string, sizes: readonly number[]): string[] {
  const pieces: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= text.length) break;
    pieces.push(text.slice(at, at + size));
    at += size;
  }
  if (at < text.length) pieces.push(text.slice(at));
  return pieces;
}

const PIECES = [
  "<think>", "</think>", "<THINK>", "<thinking a=1>", "</thinking>", "<think", "think>", "</", "<", ">", "`", " ",
  "\n", "\n\n", "a", "bc", "答", "<b>", "x<y", "<details open>", "<details>\n<summary> Thinking... </summary>",
  "</details>", "<summary>", "Thinking...", "</summary>", "<thinker>", "<t", "h", "ink>",
];
const streamedText = fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }).map((parts) => parts.join(""));

describe("VisibleText: stripThinking as the text streams", () => {
  it("shows what stripThinking of the whole text shows, however the text is cut", () => {
    fc.assert(
      fc.property(streamedText, fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 40 }), (text, sizes) => {
        fc.pre(!text.includes("`<details"));
        expect(follow(cut(text, sizes))).toBe(stripThinking(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("hides reasoning while it streams and shows the answer after it", () => {
    const visible = new VisibleText();
    expect(visible.push("<thi")).toEqual({ reset: false, text: "" });
    expect(visible.push("nk>planning the ans")).toEqual({ reset: false, text: "" });
    expect(visible.push("wer</think>\n\nHello")).toEqual({ reset: false, text: "Hello" });
    expect(visible.push(" world")).toEqual({ reset: false, text: " world" });
  });

  it("takes back what it showed when a closing tag comes first (the opening one was dropped)", () => {
    const visible = new VisibleText();
    expect(visible.push("reasoning without its tag ")).toEqual({ reset: false, text: "reasoning without its tag " });
    expect(visible.push("</think>\n\nAnswer")).toEqual({ reset: true, text: "Answer" });
  });

  it("shows a tag written as inline code, and a < that starts no tag, as they are", () => {
    expect(follow(["Use `", "<think>", "` tags; 1 <", " 2"])).toBe("Use `<think>` tags; 1 < 2");
    const quoted = "`<details><summary>Thinking...</summary>` is Dify's old wrapper";
    expect(follow([quoted])).toBe(quoted);
  });

  it("reads each delta once: a long tail of many small deltas costs time linear in its length", () => {
    const visible = new VisibleText();
    const started = Date.now();
    let shown = 0;
    // 100,000 deltas, each holding a "<" (HTML in a code block): nothing is read twice.
    for (let i = 0; i < 100_000; i++) shown += visible.push(i % 2 === 0 ? "<div>" : "x < y\n").text.length;
    expect(shown).toBe(50_000 * ("<div>".length + "x < y\n".length));
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
