import { describe, expect, it } from "vitest";
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
