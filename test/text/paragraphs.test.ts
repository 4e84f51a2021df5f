import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ParagraphScanner } from "../../src/text/paragraphs.js";
import { takeFinishedParagraphs } from "../../src/text/split.js";

describe("takeFinishedParagraphs", () => {
  it("returns nothing while no paragraph has ended", () => {
    expect(takeFinishedParagraphs("第一段还在写", 0)).toEqual({ done: "", rest: "第一段还在写" });
    expect(takeFinishedParagraphs("one line\n", 0)).toEqual({ done: "", rest: "one line\n" });
  });

  it("returns every finished paragraph with its blank line and the unfinished tail", () => {
    const text = "第一段。\n\n第二段。\n\n第三段还在";
    expect(takeFinishedParagraphs(text, 1)).toEqual({ done: "第一段。\n\n第二段。\n\n", rest: "第三段还在" });
  });

  it("counts a paragraph as finished once its blank line has arrived", () => {
    expect(takeFinishedParagraphs("para\n\n", 1)).toEqual({ done: "para\n\n", rest: "" });
    expect(takeFinishedParagraphs("para\n  \nnext", 1)).toEqual({ done: "para\n  \n", rest: "next" });
  });

  it("waits until the finished paragraphs reach the minimum size", () => {
    const text = "short\n\nlonger paragraph\n\ntail";
    expect(takeFinishedParagraphs(text, 100)).toEqual({ done: "", rest: text });
    expect(takeFinishedParagraphs(text, 20)).toEqual({ done: "short\n\nlonger paragraph\n\n", rest: "tail" });
  });

  it("measures the minimum in UTF-8 bytes", () => {
    const text = "中文中文\n\n尾";
    expect(takeFinishedParagraphs(text, 14).done).toBe("中文中文\n\n");
    expect(takeFinishedParagraphs(text, 15).done).toBe("");
  });

  it("never cuts inside an open code fence", () => {
    const rest = "```python\ndef f():\n\n    return 1\n\n";
    expect(takeFinishedParagraphs(`Intro.\n\n${rest}`, 1)).toEqual({ done: "Intro.\n\n", rest });
  });

  it("returns nothing when the only blank lines are inside an open fence", () => {
    const text = "```\ncode\n\nmore code\n\n";
    expect(takeFinishedParagraphs(text, 0)).toEqual({ done: "", rest: text });
  });

  it("cuts after a code fence once it has closed", () => {
    const done = "```js\na();\n\nb();\n```\n\nAfter the code\n\n";
    expect(takeFinishedParagraphs(`${done}next`, 1)).toEqual({ done, rest: "next" });
  });

  it("needs a closing fence as long as the opening one and of the same character", () => {
    const text = "````\n```\n\n~~~\n\nstill code\n";
    expect(takeFinishedParagraphs(text, 0).done).toBe("");
  });

  it("treats tilde fences and fences inside list items as fences", () => {
    expect(takeFinishedParagraphs("~~~\nx\n\ny", 0).done).toBe("");
    expect(takeFinishedParagraphs("- step\n  ```sh\n  ls\n\n  pwd", 0).done).toBe("");
  });

  it("does not mistake inline code with triple backticks for a fence", () => {
    const text = "Use ```code``` here.\n\nNext";
    expect(takeFinishedParagraphs(text, 1).done).toBe("Use ```code``` here.\n\n");
  });

  it("never cuts inside reasoning that has not closed yet", () => {
    const text = "<think>\nstep one\n\nstep two\n\n";
    expect(takeFinishedParagraphs(text, 0)).toEqual({ done: "", rest: text });
    const closed = "<think>\nstep one\n\nstep two\n</think>\n\nAnswer.\n\nMore";
    expect(takeFinishedParagraphs(closed, 1).done).toBe("<think>\nstep one\n\nstep two\n</think>\n\nAnswer.\n\n");
  });

  it("always gives back done and rest that rebuild the input", () => {
    const samples = ["", "\n\n", "a\n\nb\n\n```\nc\n\nd", "<think>x\n\n</think>\n\ny\n\nz", "\n\n\nlead"];
    for (const text of samples) {
      const { done, rest } = takeFinishedParagraphs(text, 0);
      expect(done + rest).toBe(text);
    }
  });
});

/** What progressive delivery took before the scanner: the one-shot function on the text after the last cut. */
function oneShotCuts(prefixes: readonly string[], minBytes: number): string[] {
  const taken: string[] = [];
  let offset = 0;
  for (const text of prefixes) {
    const { done } = takeFinishedParagraphs(text.slice(offset), minBytes);
    if (done !== "") taken.push(done);
    offset += done.length;
  }
  return taken;
}

function scannerCuts(prefixes: readonly string[], minBytes: number): string[] {
  const scanner = new ParagraphScanner();
  return prefixes.map((text) => scanner.take(text, minBytes)).filter((done) => done !== "");
}

/** The growing text after each of `chunks` arrived. */
function prefixesOf(chunks: readonly string[]): string[] {
  let text = "";
  return chunks.map((chunk) => (text += chunk));
}

/** Lines that exercise every rule: fences of both kinds, reasoning tags, blank lines, CJK, lists and quotes. */
const LINES = [
  "", "", "  ", "段落。", "plain words", "- item", "1. step", "> quote", "```", "```js", "````", "~~~", "  ```sh",
  "Use ```x``` inline", "<think>", "</think>", "`<think>`", "<thinking>why</thinking>", "中文😀", "\r",
];
const answerText = fc.array(fc.constantFrom(...LINES), { maxLength: 40 }).map((lines) => lines.join("\n"));

/** Cuts `text` into chunks whose lengths are drawn from `sizes` (cycled), as a stream would deliver it. */
function chunked(text: string, sizes: readonly number[]): string[] {
  const chunks: string[] = [];
  for (let at = 0, i = 0; at < text.length; i += 1) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    chunks.push(text.slice(at, at + size));
    at += size;
  }
  return chunks;
}

describe("ParagraphScanner", () => {
  it("takes finished paragraphs as they arrive, each only once", () => {
    const scanner = new ParagraphScanner();
    expect(scanner.take("First para", 1)).toBe("");
    expect(scanner.take("First paragraph.\n\nSec", 1)).toBe("First paragraph.\n\n");
    expect(scanner.offset).toBe(18);
    expect(scanner.take("First paragraph.\n\nSecond.\n", 1)).toBe("");
    expect(scanner.take("First paragraph.\n\nSecond.\n\nThird", 1)).toBe("Second.\n\n");
    expect(scanner.take("First paragraph.\n\nSecond.\n\nThird", 1)).toBe("");
  });

  it("waits for the minimum size across calls and then takes everything finished", () => {
    const scanner = new ParagraphScanner();
    expect(scanner.take("ab\n\n", 10)).toBe("");
    expect(scanner.take("ab\n\ncd\n\nefgh\n\ntail", 10)).toBe("ab\n\ncd\n\nefgh\n\n");
  });

  it("starts after paragraphs already taken from the same text", () => {
    const text = "Sent before.\n\nNew one.\n\nrest";
    const scanner = new ParagraphScanner(14);
    expect(scanner.take(text, 1)).toBe("New one.\n\n");
    expect(scanner.offset).toBe(text.length - 4);
  });

  it("reads only what arrived since the last call", () => {
    // An open fence read earlier is remembered, so the blank line later is inside code; re-reading the (here
    // deliberately different) old text would have found no fence and cut.
    const scanner = new ParagraphScanner();
    expect(scanner.take("```\n", 0)).toBe("");
    expect(scanner.take("xxx\ncode\n\nmore", 0)).toBe("");
  });

  it("gives the same cuts from the appended deltas as from the growing text", () => {
    fc.assert(
      fc.property(answerText, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1 }), (text, sizes) => {
        const chunks = chunked(text, sizes);
        const scanner = new ParagraphScanner();
        const fromDeltas = chunks.map((chunk) => scanner.append(chunk, 8)).filter((done) => done !== "");
        expect(fromDeltas).toEqual(scannerCuts(prefixesOf(chunks), 8));
        expect(scanner.offset).toBe(fromDeltas.join("").length);
      }),
      { seed: 4242, numRuns: 1000 },
    );
  });

  it("refuses a text shorter than the one already read", () => {
    const scanner = new ParagraphScanner();
    scanner.take("a long first paragraph\n\n", 1);
    expect(() => scanner.take("short", 1)).toThrow(RangeError);
  });

  it("cuts a 52 KB list answer streamed in 8-character events exactly where the one-shot function does", () => {
    const answer = Array.from({ length: 5200 }, (_, i) => (i % 40 === 39 ? "- item\n\n" : "- item 1\n")).join("");
    const prefixes = prefixesOf(chunked(answer, [8]));
    const cuts = scannerCuts(prefixes, 1024);
    expect(cuts).toEqual(oneShotCuts(prefixes, 1024));
    expect(cuts.join("").length).toBeGreaterThan(answer.length - 400);
  });

  it("gives the same cuts as the one-shot function for random answers and random chunkings", () => {
    fc.assert(
      fc.property(
        answerText,
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 40 }),
        (text, sizes, minBytes) => {
          const prefixes = prefixesOf(chunked(text, sizes));
          expect(scannerCuts(prefixes, minBytes)).toEqual(oneShotCuts(prefixes, minBytes));
        },
      ),
      { seed: 20261201, numRuns: 2000 },
    );
  });
});
