import { describe, expect, it } from "vitest";
import { stripThinking } from "../../src/text/markdown.js";

describe("stripThinking", () => {
  it("removes a leading think block and the blank lines after it", () => {
    expect(stripThinking("<think>\nLet me think.\n</think>\n\nThe answer is 42.")).toBe("The answer is 42.");
  });

  it("removes several blocks and keeps the text between them", () => {
    expect(stripThinking("A <think>x</think> B <think>y</think>C")).toBe("A B C");
  });

  it("removes nested blocks up to the outermost closing tag", () => {
    expect(stripThinking("<think>a<think>b</think>c</think>answer")).toBe("answer");
  });

  it("hides a trailing unterminated block while the answer streams", () => {
    expect(stripThinking("Intro\n\n<think>half a thought")).toBe("Intro\n\n");
    expect(stripThinking("<think>only reasoning so far")).toBe("");
  });

  it("accepts thinking tags in any case and the <thinking> spelling", () => {
    expect(stripThinking("<THINK>x</THINK>ok")).toBe("ok");
    expect(stripThinking("<thinking>x</thinking>ok")).toBe("ok");
  });

  it("drops everything before a first closing tag that has no opening tag", () => {
    expect(stripThinking("reasoning without its opening tag\n</think>\n\nanswer")).toBe("answer");
  });

  it("removes a later stray closing tag without losing the text before it", () => {
    expect(stripThinking("<think>x</think>answer</think> more")).toBe("answer more");
  });

  it("removes Dify's Thinking details block, finished or still open", () => {
    const wrapped = '<details style="color:gray" open> <summary> Thinking... </summary>hmm</details>\n\nAnswer';
    expect(stripThinking(wrapped)).toBe("Answer");
    expect(stripThinking('<details open> <summary> Thinking... </summary>still going')).toBe("");
    const ordinary = "<details><summary>More</summary>kept</details>";
    expect(stripThinking(ordinary)).toBe(ordinary);
  });

  it("leaves tags written as inline code alone", () => {
    expect(stripThinking("Models wrap reasoning in `<think>` and `</think>` tags.")).toBe(
      "Models wrap reasoning in `<think>` and `</think>` tags.",
    );
  });

  it("returns text without thinking unchanged", () => {
    expect(stripThinking("  plain\n\n text  ")).toBe("  plain\n\n text  ");
  });

  it("keeps a long text of unclosed '<think' openings without '>' as written", () => {
    const text = "<think a".repeat(10_000);
    expect(stripThinking(text)).toBe(text);
  });

  it("removes each of thousands of small think blocks and keeps the text between them", () => {
    const text = "<think>r</think>answer ".repeat(5_000);
    expect(stripThinking(text)).toBe("answer ".repeat(5_000));
  });

  it("drops the whitespace after a removed block only where the kept text ends in whitespace", () => {
    expect(stripThinking("a <think>x</think>  b")).toBe("a b");
    expect(stripThinking("a<think>x</think>  b")).toBe("a  b");
  });
});
