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

  it("takes the new Agent App's closing message as the answer, replacing what the agent said before its tool call", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    b.apply(ev({ event: "agent_thought", id: "t1", thought: "" }));
    b.apply(ev({ event: "agent_message", answer: "Let me look. " }));
    b.apply(ev({ event: "agent_thought", id: "t2", thought: "" }));
    b.apply(ev({ event: "agent_message", answer: "Sunny." }));
    b.apply(ev({ event: "message", answer: "Sunny." }));
    b.apply(ev({ event: "message_end", id: "m" }));
    expect(b.text).toBe("Sunny.");
  });

  it("puts a function-calling agent's pre-tool text on its own line, as Dify stores the answer", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    b.apply(ev({ event: "agent_thought", id: "t1", thought: "" }));
    b.apply(ev({ event: "agent_message", answer: "Let me look." }));
    b.apply(ev({ event: "agent_thought", id: "t1", thought: "Let me look.", tool: "weather" }));
    b.apply(ev({ event: "agent_thought", id: "t2", thought: "" }));
    b.apply(ev({ event: "agent_message", answer: "Sunny" }));
    expect(b.text).toBe("Let me look.\nSunny");
    b.apply(ev({ event: "agent_message", answer: " today." }));
    b.apply(ev({ event: "agent_thought", id: "t2", thought: "Sunny today." }));
    b.apply(ev({ event: "message_end", id: "m" }));
    expect(b.text).toBe("Let me look.\nSunny today.");
  });

  it("keeps only a ReAct agent's final answer, the one chunk no saved thought follows", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    b.apply(ev({ event: "agent_thought", id: "t1", thought: "" }));
    b.apply(ev({ event: "agent_message", answer: "I need the weather tool.\n" }));
    b.apply(ev({ event: "agent_thought", id: "t1", thought: "I need the weather tool.", tool: "weather" }));
    b.apply(ev({ event: "agent_thought", id: "t2", thought: "" }));
    b.apply(ev({ event: "agent_message", answer: "I can answer now.\n" }));
    b.apply(ev({ event: "agent_message", answer: "Sunny, 12 degrees." }));
    b.apply(ev({ event: "message_end", id: "m" }));
    expect(b.text).toBe("Sunny, 12 degrees.");
  });

  it("reads answer text from message_file events that carry `answer` and no url (Dify 1.11.2 to 1.12.1)", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    b.apply(ev({ event: "message_file", id: "m", answer: "图片中", from_variable_selector: null }));
    b.apply(ev({ event: "message_file", id: "m", answer: "是截图", from_variable_selector: null }));
    b.apply(ev({ event: "message_end", id: "m", files: null }));
    expect(b.text).toBe("图片中是截图");
    expect(b.files).toEqual([]);
  });

  it("counts one generated image once although each serialisation signed its URL afresh, keeping the newest URL", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    const id = "6c0d7e2a-9b4f-4d1e-8a3c-5f2b7e9d1c4a";
    const url = (n: string) => `/files/tools/${id}.png?timestamp=177019543${n}&nonce=${n}${n}&sign=s${n}=`;
    const file = (n: string) => ({ type: "image", transfer_method: "tool_file", related_id: id, url: url(n) });
    b.apply(ev({ event: "message", answer: `![cat](${url("1")})` }));
    b.apply(ev({ event: "workflow_finished", data: { status: "succeeded", outputs: {}, files: [file("2")] } }));
    b.apply(ev({ event: "message_end", id: "m", files: [file("3")] }));
    expect(b.files).toEqual([{ type: "image", url: `https://dify.example.com${url("3")}`, key: `id:${id}` }]);
  });

  it("leaves the question's own files out of message_end.files, which lists every file of the message", () => {
    const b = new AnswerBuilder("chat", "https://dify.example.com/v1");
    b.apply(ev({ event: "message_end", id: "m", files: [
      { type: "image", transfer_method: "remote_url", url: "https://mmbiz.example/pic.jpg", related_id: "a" },
      { type: "image", transfer_method: "local_file", url: "/files/0c0d7e2a-9b4f-4d1e-8a3c-5f2b7e9d1c4a/file-preview?sign=x" },
    ] }));
    expect(b.files).toEqual([]);
  });

  it("answers a chatflow stopped by output moderation with the preset reply, at message_end", () => {
    const b = new AnswerBuilder("chat", "https://d.test/v1");
    b.apply(ev({ event: "message", answer: "bad words" }));
    b.apply(ev({ event: "message_replace", answer: "Sorry, I cannot answer that.", reason: "output_moderation" }));
    b.apply(ev({ event: "workflow_finished", data: { status: "stopped", outputs: {}, error: "Stopped by output moderation." } }));
    expect(b.finished).toBe(false);
    b.apply(ev({ event: "message_end", id: "m" }));
    expect(b.finished).toBe(true);
    expect(b.text).toBe("Sorry, I cannot answer that.");
  });

  it("still fails a workflow app whose run was stopped", () => {
    const b = new AnswerBuilder("workflow", "https://d.test/v1");
    expect(() => b.apply(ev({ event: "workflow_finished", data: { status: "stopped", error: "Stopped by user." } })))
      .toThrow(DifyError);
  });

  it("streams only a workflow's answer output, not the End node's other outputs or its separators", () => {
    const b = new AnswerBuilder("workflow", "https://d.test/v1");
    const chunk = (text: string, selector: string[]) => ev({ event: "text_chunk", data: { text, from_variable_selector: selector } });
    const seen: string[] = [];
    for (const e of [
      ev({ event: "node_started", data: { node_id: "code", node_type: "code" } }),
      ev({ event: "node_started", data: { node_id: "llm", node_type: "llm" } }),
      chunk('{\n  "n": 1\n}', ["code", "result"]),
      chunk("\n", ["end", "answer"]),
      chunk("Hello", ["llm", "text"]),
      chunk(" world", ["llm", "text"]),
    ]) if (b.apply(e)) seen.push(b.text);
    expect(seen).toEqual(["Hello", "Hello world"]);
    b.apply(ev({ event: "workflow_finished", data: { status: "succeeded", outputs: { meta: { n: 1 }, text: "Hello world" } } }));
    expect(b.text).toBe("Hello world");
  });

  it("streams nothing of a workflow whose configured output it cannot tell apart, and answers with it at the end", () => {
    const b = new AnswerBuilder("workflow", "https://d.test/v1", "reply");
    b.apply(ev({ event: "node_started", data: { node_id: "llm" } }));
    expect(b.apply(ev({ event: "text_chunk", data: { text: "draft", from_variable_selector: ["llm", "text"] } }))).toBe(false);
    b.apply(ev({ event: "workflow_finished", data: { status: "succeeded", outputs: { reply: "final", text: "draft" } } }));
    expect(b.text).toBe("final");
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
    expect(b.files.map(({ type, url }) => ({ type, url }))).toEqual([
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
    b.apply(ev({ event: "text_chunk", data: { text: "raw", from_variable_selector: null } }));
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
