import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { difyFailure as failure } from "../support/expect-errors.js";
import { DifyClient, type DifyClientOptions } from "../../src/dify/client.js";
import { DifyError } from "../../src/dify/errors.js";
import { difyCalls as recordedCalls } from "../support/dify-calls.js";

const KEY = "app-test-key";

function client(options: Partial<DifyClientOptions> = {}): DifyClient {
  return new DifyClient({ apiBase: inject("difyUrl"), apiKey: KEY, ...options });
}

const newUser = () => `dify-client-${crypto.randomUUID()}`;



describe("DifyClient.ask for chat apps", () => {
  it("streams an answer, reporting the growing text and the conversation to continue", async () => {
    const user = newUser();
    const seen: string[] = [];
    const answer = await client().ask(
      { kind: "chat", user, query: "[answer=one two three] [chunks=3]" },
      { onText: (text) => seen.push(text) },
    );
    expect(answer.text).toBe("one two three");
    expect(seen.length).toBe(3);
    expect(seen.at(-1)).toBe("one two three");
    expect(seen.every((text, i) => i === 0 || text.startsWith(seen[i - 1] ?? ""))).toBe(true);
    expect(answer.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.files).toEqual([]);
    expect(answer.firstEventMs).toBeGreaterThanOrEqual(0);
    expect(answer.totalMs).toBeGreaterThanOrEqual(answer.firstEventMs ?? 0);
  });

  it("sends the Dify request body and the API key as a Bearer token", async () => {
    const user = newUser();
    await client().ask({ kind: "chat", user, query: "hello" });
    const [call] = await recordedCalls(user);
    expect(call?.path).toBe("/chat-messages");
    expect(call?.method).toBe("POST");
    expect(call?.auth).toBe(`Bearer ${KEY}`);
    expect(call?.body).toEqual({
      inputs: {},
      query: "hello",
      user,
      response_mode: "streaming",
      auto_generate_name: false,
    });
    expect(call?.body).not.toHaveProperty("conversation_id");
  });

  it("continues a conversation by sending its id, and passes inputs and files through", async () => {
    const user = newUser();
    const first = await client().ask({ kind: "chat", user, query: "first" });
    const files = [{ type: "image" as const, transfer_method: "remote_url" as const, url: "https://img.example.test/a.jpg" }];
    const second = await client().ask({
      kind: "chat", user, query: "second", conversationId: first.conversationId, inputs: { city: "杭州" }, files,
    });
    expect(second.conversationId).toBe(first.conversationId);
    const calls = await recordedCalls(user);
    expect(calls[1]?.body).toMatchObject({ conversation_id: first.conversationId, inputs: { city: "杭州" }, files });
  });

  it("does not repeat the answer when an agent app closes with a message holding the full text", async () => {
    const seen: string[] = [];
    const answer = await client().ask(
      { kind: "chat", user: newUser(), query: "[agent] [answer=智能体的完整回答] [chunks=4]" },
      { onText: (text) => seen.push(text) },
    );
    expect(answer.text).toBe("智能体的完整回答");
    expect(seen.at(-1)).toBe("智能体的完整回答");
  });

  it("replaces the whole answer on message_replace", async () => {
    const answer = await client().ask({ kind: "chat", user: newUser(), query: "[answer=bad words] [replace=moderated]" });
    expect(answer.text).toBe("moderated");
  });

  it("collects files the app produced", async () => {
    // A chatflow sends its image three times (Markdown, workflow_finished, message_end), each signed afresh.
    const answer = await client().ask({ kind: "chat", user: newUser(), query: "[files] [answer=here is a picture]" });
    expect(answer.text.startsWith("here is a picture")).toBe(true);
    expect(answer.files).toHaveLength(1);
    expect(answer.files[0]?.type).toBe("image");
    expect(answer.files[0]?.url).toMatch(/\/files\/tools\/[0-9a-f-]{36}\.png\?timestamp=\d+&nonce=[0-9a-f]{32}&sign=/);
  });

  it("keeps a reasoning model's <think> block in the text, for answer shaping to remove", async () => {
    const answer = await client().ask({ kind: "chat", user: newUser(), query: "[reasoning] [answer=final]" });
    expect(answer.text).toMatch(/^<think>[\s\S]*<\/think>\s*final$/);
  });

  it("fails with kind stream when Dify sends an error event mid-stream", async () => {
    // app-test-key is a chatflow: the failed LLM node fails the run (workflow_finished failed, then `error`
    // invalid_param "Run failed: …"); both carry the provider's message.
    const err = await failure(client().ask({ kind: "chat", user: newUser(), query: "[error-event] [answer=abc def]" }));
    expect(err.kind).toBe("stream");
    expect(err.difyMessage).toMatch(/Server Unavailable Error/);
    expect(err.retryable).toBe(false);
  });
});

describe("DifyClient.ask deadlines", () => {
  it("times out when no event arrives within the idle timeout", async () => {
    const err = await failure(client({ idleTimeoutMs: 200 }).ask({ kind: "chat", user: newUser(), query: "[silent=5000]" }));
    expect(err.kind).toBe("timeout");
    expect(err.deadline).toBe("idle");
    expect(err.retryable).toBe(true);
  });

  it("counts pings as signs of life, so a slow answer with keep-alives completes", async () => {
    // Dify pings every 10 s: a 12 s wait outlives an 11 s idle timeout only through the ping.
    const answer = await client({ idleTimeoutMs: 11_000 }).ask({
      kind: "chat", user: newUser(), query: "[delay=12000] [answer=worth the wait]",
    });
    expect(answer.text).toBe("worth the wait");
  });

  it("times out on the total deadline even while pings keep arriving", async () => {
    const err = await failure(
      client({ idleTimeoutMs: 5000, totalTimeoutMs: 1500 }).ask({ kind: "chat", user: newUser(), query: "[delay=8000]" }),
    );
    expect(err.kind).toBe("timeout");
    expect(err.deadline).toBe("total");
  });

  it("times out when a stream stalls after its first chunk, after reporting the partial text", async () => {
    const seen: string[] = [];
    const err = await failure(
      client({ idleTimeoutMs: 300 }).ask(
        { kind: "chat", user: newUser(), query: "[stall] [answer=aaabbbccc]" },
        { onText: (text) => seen.push(text) },
      ),
    );
    expect(err.kind).toBe("timeout");
    expect(err.deadline).toBe("idle");
    expect(seen).toEqual(["aaa"]);
  });

  it("times out when response headers do not arrive within the connect timeout", async () => {
    const err = await failure(client({ connectTimeoutMs: 200 }).ask({ kind: "chat", user: newUser(), query: "[hold=3000]" }));
    expect(err.kind).toBe("timeout");
    expect(err.deadline).toBe("connect");
  });

  it("fails with kind network when the connection drops mid-stream", async () => {
    const err = await failure(client().ask({ kind: "chat", user: newUser(), query: "[drop] [answer=aaabbbccc]" }));
    expect(err.kind).toBe("network");
    expect(err.retryable).toBe(true);
    expect(err.cause).toBeDefined();
  });

  it("stops when the caller's signal aborts mid-stream, keeping the caller's reason as the cause", async () => {
    const controller = new AbortController();
    const reason = new Error("session gave up");
    const err = await failure(
      client().ask(
        { kind: "chat", user: newUser(), query: "[gap=2000] [answer=aaabbbccc]" },
        { signal: controller.signal, onText: () => controller.abort(reason) },
      ),
    );
    expect(err.kind).toBe("timeout");
    expect(err.deadline).toBe("caller");
    expect(err.cause).toBe(reason);
  });

  it("does not even send the request when the caller's signal is already aborted", async () => {
    const user = newUser();
    const err = await failure(client().ask({ kind: "chat", user, query: "hi" }, { signal: AbortSignal.abort() }));
    expect(err.deadline).toBe("caller");
    expect(await recordedCalls(user)).toEqual([]);
  });

  it("cancels the response body when the idle deadline fires mid-body", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: {"event":"message","answer":"partial"}\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const fetcher: typeof fetch = async () =>
      new Response(body, { headers: { "content-type": "text/event-stream" } });
    const dify = new DifyClient({ apiBase: "https://dify.invalid/v1", apiKey: KEY, idleTimeoutMs: 100 }, fetcher);
    const err = await failure(dify.ask({ kind: "chat", user: "u", query: "q" }));
    expect(err.deadline).toBe("idle");
    expect(cancelled).toBe(true);
  });

  it("lets an error thrown by the onText hook reach the caller unchanged", async () => {
    const boom = new Error("hook failed");
    await expect(
      client().ask({ kind: "chat", user: newUser(), query: "hi" }, { onText: () => { throw boom; } }),
    ).rejects.toBe(boom);
  });
});

describe("DifyClient.ask protocol failures", () => {
  const fake = (body: string, type = "text/event-stream") =>
    new DifyClient({ apiBase: "https://dify.invalid/v1", apiKey: KEY }, async () =>
      new Response(body, { headers: { "content-type": type } }));

  it("fails with kind stream when the stream ends before message_end", async () => {
    const err = await failure(fake('data: {"event":"message","answer":"half"}\n\n').ask({ kind: "chat", user: "u", query: "q" }));
    expect(err.kind).toBe("stream");
  });

  it("fails with kind protocol on an event that is not JSON", async () => {
    const err = await failure(fake("data: {not json\n\n").ask({ kind: "chat", user: "u", query: "q" }));
    expect(err.kind).toBe("protocol");
  });

  it("fails with kind protocol when a 200 response is not an event stream", async () => {
    const err = await failure(fake('{"answer":"blocking"}', "application/json").ask({ kind: "chat", user: "u", query: "q" }));
    expect(err.kind).toBe("protocol");
  });

  it("fails with kind network when fetch itself rejects", async () => {
    const dify = new DifyClient({ apiBase: "https://dify.invalid/v1", apiKey: KEY }, async () => {
      throw new TypeError("connection refused");
    });
    const err = await failure(dify.ask({ kind: "chat", user: "u", query: "q" }));
    expect(err.kind).toBe("network");
    expect(err.retryable).toBe(true);
  });
});
