import { describe, expect, it } from "vitest";
import { AnswerBuilder } from "../../src/dify/answer.js";
import { DifyError } from "../../src/dify/errors.js";

const ev = (payload: Record<string, unknown>) => ({ data: JSON.stringify(payload) });

describe("AnswerBuilder", () => {
  it("ignores pings and reports which events changed the text", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    expect(b.apply({ event: "ping", data: "" })).toBe(false);
    expect(b.apply(ev({ event: "message", answer: "hi", conversation_id: "c1", message_id: "m1" }))).toBe(true);
    expect(b.apply(ev({ event: "agent_thought", thought: "hmm", conversation_id: "c1" }))).toBe(false);
    expect(b.apply(ev({ event: "tts_message", audio: "AAAA" }))).toBe(false);
    expect(b.finished).toBe(false);
    b.apply(ev({ event: "message_end", id: "m1", conversation_id: "c1", metadata: {} }));
    expect(b.finished).toBe(true);
    expect(b.conversationId).toBe("c1");
    expect(b.messageId).toBe("m1");
  });

  it("keeps appending plain message deltas even when one repeats the text so far", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    b.apply(ev({ event: "message", answer: "ha" }));
    b.apply(ev({ event: "message", answer: "ha" }));
    expect(b.text).toBe("haha");
  });

  it("appends a message after agent deltas when it does not repeat them", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    b.apply(ev({ event: "agent_message", answer: "Part one. " }));
    b.apply(ev({ event: "message", answer: "Part two." }));
    expect(b.text).toBe("Part one. Part two.");
  });

  it("takes a closing agent message that extends the streamed text as the whole answer", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    b.apply(ev({ event: "agent_message", answer: "Hello" }));
    b.apply(ev({ event: "message", answer: "Hello, world" }));
    expect(b.text).toBe("Hello, world");
  });

  it("resolves relative file URLs against the API origin and skips the user's own files and duplicates", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    b.apply(ev({ event: "message_file", type: "image", belongs_to: "assistant", url: "/files/tools/a.png?sign=1" }));
    b.apply(ev({ event: "message_file", type: "image", belongs_to: "user", url: "https://x.test/mine.png" }));
    b.apply(ev({ event: "message_end", id: "m", files: [{ type: "image", url: "/files/tools/a.png?sign=1" }, { type: "document", url: "https://x.test/r.pdf" }] }));
    expect(b.files).toEqual([
      { type: "image", url: "https://dify.example.com/files/tools/a.png?sign=1" },
      { type: "document", url: "https://x.test/r.pdf" },
    ]);
  });

  it("fails a chatflow whose workflow run failed, and lets a successful one wait for message_end", () => {
    const ok = new AnswerBuilder("chat", "https://d.test/v1");
    ok.apply(ev({ event: "message", answer: "answer" }));
    ok.apply(ev({ event: "workflow_finished", data: { status: "succeeded", outputs: { answer: "other" } } }));
    expect(ok.finished).toBe(false);
    expect(ok.text).toBe("answer");
    const failed = new AnswerBuilder("chat", "https://d.test/v1");
    expect(() => failed.apply(ev({ event: "workflow_finished", data: { status: "failed", error: "boom" } })))
      .toThrow(DifyError);
  });

  it("ignores text_chunk in chat apps so a chatflow answer is not doubled", () => {
    const b = new AnswerBuilder("chat", "https://d.test/v1");
    b.apply(ev({ event: "text_chunk", data: { text: "x" } }));
    b.apply(ev({ event: "message", answer: "x" }));
    expect(b.text).toBe("x");
  });

  it("picks the configured workflow output, then text/answer/output/result, then the first string", () => {
    const finish = (kind: string | undefined, outputs: Record<string, unknown>) => {
      const b = new AnswerBuilder("workflow", "https://d.test/v1", kind);
      b.apply(ev({ event: "workflow_finished", data: { status: "succeeded", outputs } }));
      return b.text;
    };
    expect(finish("reply", { text: "t", reply: "r" })).toBe("r");
    expect(finish(undefined, { result: "res", answer: "ans" })).toBe("ans");
    expect(finish(undefined, { n: 3, summary: "s" })).toBe("s");
    expect(finish("reply", { text: "t" })).toBe("t");
  });

  it("applies a workflow text_replace", () => {
    const b = new AnswerBuilder("workflow", "https://d.test/v1");
    b.apply(ev({ event: "text_chunk", data: { text: "raw" } }));
    b.apply(ev({ event: "text_replace", data: { text: "clean" } }));
    expect(b.text).toBe("clean");
  });

  it("turns an error event into a stream error that keeps Dify's fields", () => {
    const b = new AnswerBuilder("chat", "https://d.test/v1");
    let caught: unknown;
    try {
      b.apply(ev({ event: "error", status: 503, code: "provider_unavailable", message: "upstream down" }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DifyError);
    expect(caught).toMatchObject({ kind: "stream", status: 503, code: "provider_unavailable", retryable: true });
  });
});
