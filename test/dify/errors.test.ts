import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { difyFailure as failure } from "../support/expect-errors.js";
import { DifyClient } from "../../src/dify/client.js";
import { DifyError } from "../../src/dify/errors.js";

const newUser = () => `dify-errors-${crypto.randomUUID()}`;

function client(apiKey = "app-test-key", extra: { idleTimeoutMs?: number } = {}): DifyClient {
  return new DifyClient({ apiBase: inject("difyUrl"), apiKey, ...extra });
}


/** Every way an error can end up in a log line. */
function everyRendering(err: DifyError): string {
  const cause = err.cause instanceof Error ? `${err.cause.name} ${err.cause.message} ${err.cause.stack ?? ""}` : String(err.cause);
  return [String(err), err.message, err.stack ?? "", JSON.stringify(err), JSON.stringify({ ...err }), cause].join("\n");
}

describe("DifyError from HTTP answers", () => {
  it("reports a 400 with Dify's code as a non-retryable http error", async () => {
    const err = await failure(client().ask({ kind: "chat", user: newUser(), query: "[status=400:app_unavailable]" }));
    expect(err.name).toBe("DifyError");
    expect(err.kind).toBe("http");
    expect(err.status).toBe(400);
    expect(err.code).toBe("app_unavailable");
    expect(err.difyMessage).toBe("App unavailable, please check your app configurations.");
    expect(err.retryable).toBe(false);
    expect(err.conversationMissing).toBe(false);
  });

  it("flags Dify's 404 Conversation Not Exists so the caller can start afresh", async () => {
    const user = newUser();
    const err = await failure(client().ask({ kind: "chat", user, query: "hi", conversationId: crypto.randomUUID() }));
    expect(err.kind).toBe("http");
    expect(err.status).toBe(404);
    expect(err.code).toBe("not_found");
    expect(err.conversationMissing).toBe(true);
    expect(err.retryable).toBe(false);
  });

  it("flags a forgotten conversation the same way", async () => {
    const user = newUser();
    const first = await client().ask({ kind: "chat", user, query: "remember me" });
    await client().ask({ kind: "chat", user, query: "[forget]" });
    const err = await failure(client().ask({ kind: "chat", user, query: "again", conversationId: first.conversationId }));
    expect(err.conversationMissing).toBe(true);
  });

  it("treats 429 too_many_requests as retryable but a spent quota (rate_limit_error) as final", async () => {
    const busy = await failure(client().ask({ kind: "chat", user: newUser(), query: "[status=429:too_many_requests]" }));
    expect(busy.status).toBe(429);
    expect(busy.code).toBe("too_many_requests");
    expect(busy.retryable).toBe(true);
    const quota = await failure(client().ask({ kind: "chat", user: newUser(), query: "[status=429:rate_limit_error]" }));
    expect(quota.retryable).toBe(false);
  });

  it("treats a 500 as retryable", async () => {
    const err = await failure(client().ask({ kind: "chat", user: newUser(), query: "[status=500:internal_server_error]" }));
    expect(err.kind).toBe("http");
    expect(err.status).toBe(500);
    expect(err.retryable).toBe(true);
  });

  it("keeps the status of a non-JSON error page from a proxy", async () => {
    const dify = new DifyClient({ apiBase: "https://dify.invalid/v1", apiKey: "app-test-key" }, async () =>
      new Response("<html>502 Bad Gateway</html>", { status: 502, headers: { "content-type": "text/html" } }));
    const err = await failure(dify.ask({ kind: "chat", user: "u", query: "q" }));
    expect(err.kind).toBe("http");
    expect(err.status).toBe(502);
    expect(err.code).toBeUndefined();
    expect(err.retryable).toBe(true);
  });
});

describe("the API key", () => {
  const SECRET = "app-SECRET-4f9c2b7e81d3";

  it("is sent only as a Bearer token and never appears in any error rendering", async () => {
    const wrongKey = await failure(client(SECRET).ask({ kind: "chat", user: newUser(), query: "hi" }));
    expect(wrongKey.status).toBe(401);
    const failures = [wrongKey];
    // Errors of every other kind, from a client holding the secret key.
    const fetchers: (typeof fetch)[] = [
      async () => { throw new TypeError("fetch failed"); },
      async () => new Response("data: {oops\n\n", { headers: { "content-type": "text/event-stream" } }),
      async () => new Response('data: {"event":"error","status":400,"code":"x","message":"y"}\n\n', {
        headers: { "content-type": "text/event-stream" },
      }),
      async () => new Response(new ReadableStream({ start() {} }), { headers: { "content-type": "text/event-stream" } }),
    ];
    for (const fetcher of fetchers) {
      const dify = new DifyClient({ apiBase: "https://dify.invalid/v1", apiKey: SECRET, idleTimeoutMs: 50 }, fetcher);
      failures.push(await failure(dify.ask({ kind: "chat", user: "u", query: "q" })));
    }
    expect(failures.map((f) => f.kind)).toEqual(["http", "network", "protocol", "stream", "timeout"]);
    for (const err of failures) expect(everyRendering(err)).not.toContain(SECRET);
  });

  it("is what the stand-in received, as a Bearer token, on every kind of call", async () => {
    let seen: string | null = null;
    const spy: typeof fetch = async (input, init) => {
      seen = new Headers(init?.headers).get("authorization");
      return fetch(input, init);
    };
    const dify = new DifyClient({ apiBase: inject("difyUrl"), apiKey: "app-test-key" }, spy);
    await dify.info();
    expect(seen).toBe("Bearer app-test-key");
    seen = null;
    await dify.uploadFile(newUser(), new Uint8Array([1, 2, 3]), "a.png", "image/png");
    expect(seen).toBe("Bearer app-test-key");
  });
});

describe("DifyError recognises Dify's busy answers and its 404 texts", () => {
  it("treats 400 invalid_param 'Too many requests.' as busy, like 429 too_many_requests", () => {
    const cap = new DifyError("http", "x", { status: 400, code: "invalid_param", difyMessage: "Too many requests. Please try again later." });
    expect(cap).toMatchObject({ busy: true, retryable: true });
    expect(new DifyError("http", "x", { status: 429, code: "too_many_requests" })).toMatchObject({ busy: true });
    expect(new DifyError("http", "x", { status: 400, code: "invalid_param", difyMessage: "query is required" }))
      .toMatchObject({ busy: false, retryable: false });
  });

  it("treats a model's rate limit (completion_request_error 400 mid-stream) as busy, other model errors not", () => {
    const limited = new DifyError("stream", "x", {
      status: 400, code: "completion_request_error", difyMessage: "[openai] Rate Limit Error, Error code: 429 - {...}",
    });
    expect(limited).toMatchObject({ busy: true, retryable: true });
    const unavailable = new DifyError("stream", "x", {
      status: 400, code: "completion_request_error", difyMessage: "[openai_api_compatible] Server Unavailable Error, Error code: 503",
    });
    expect(unavailable.busy).toBe(false);
    expect(new DifyError("http", "x", { status: 429, code: "rate_limit_error" }).busy).toBe(false);
  });

  it("still sees Conversation Not Exists when flask-restx appends its 'did you mean' suffix", () => {
    const err = new DifyError("http", "x", {
      status: 404,
      code: "not_found",
      difyMessage: "Conversation Not Exists. You have requested this URI [/v1/chat-messages] but did you mean /v1/chat-messages/<string:task_id>/stop ?",
    });
    expect(err.conversationMissing).toBe(true);
  });
});
