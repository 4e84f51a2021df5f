import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { DifyClient, appKindFromMode } from "../../src/dify/client.js";
import { DifyError } from "../../src/dify/errors.js";
import { difyCalls as recordedCalls } from "../support/dify-calls.js";

const newUser = () => `dify-apps-${crypto.randomUUID()}`;
const client = (workflowOutputKey?: string, apiKey = "app-test-key") =>
  new DifyClient({ apiBase: inject("difyUrl"), apiKey, workflowOutputKey });
// Dify serves each route only for its app mode (the stand-in's apps by key: test/support/dify/apps.ts).
const completionApp = () => client(undefined, "app-completion-key");
const workflowApp = () => client(undefined, "app-workflow-key");


describe("completion apps", () => {
  it("send the question as inputs.query to /completion-messages and stream the answer", async () => {
    const user = newUser();
    const seen: string[] = [];
    const answer = await completionApp().ask(
      { kind: "completion", user, query: "[answer=补全的回答] [chunks=2]", inputs: { tone: "formal" } },
      { onText: (text) => seen.push(text) },
    );
    expect(answer.text).toBe("补全的回答");
    expect(seen.length).toBe(2);
    expect(answer.conversationId).toBeUndefined();
    expect(answer.messageId).toMatch(/^[0-9a-f-]{36}$/);
    const [call] = await recordedCalls(user);
    expect(call?.path).toBe("/completion-messages");
    expect(call?.body).toEqual({
      inputs: { tone: "formal", query: "[answer=补全的回答] [chunks=2]" },
      response_mode: "streaming",
      user,
    });
  });
});

describe("workflow apps", () => {
  it("send the question as inputs.query to /workflows/run and answer with outputs.text", async () => {
    const user = newUser();
    const seen: string[] = [];
    const answer = await workflowApp().ask(
      { kind: "workflow", user, query: "[answer=工作流的结果] [chunks=3]" },
      { onText: (text) => seen.push(text) },
    );
    expect(answer.text).toBe("工作流的结果");
    expect(seen.at(-1)).toBe("工作流的结果");
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(answer.messageId).toMatch(/^[0-9a-f-]{36}$/);
    const [call] = await recordedCalls(user);
    expect(call?.path).toBe("/workflows/run");
    expect(call?.body).toEqual({ inputs: { query: "[answer=工作流的结果] [chunks=3]" }, response_mode: "streaming", user });
  });

  it("take the final outputs over the streamed chunks when they differ", async () => {
    const answer = await workflowApp().ask({ kind: "workflow", user: newUser(), query: "[answer=draft] [replace=final output]" });
    expect(answer.text).toBe("final output");
  });

  it("collect files listed in the outputs", async () => {
    const answer = await workflowApp().ask({ kind: "workflow", user: newUser(), query: "[files] [answer=pic]" });
    // One image, listed in outputs and in workflow_finished.data.files, each time with a fresh signature.
    expect(answer.files).toHaveLength(1);
    expect(answer.files[0]?.type).toBe("image");
    expect(answer.files[0]?.url).toMatch(/\/files\/tools\/[0-9a-f-]{36}\.png\?timestamp=\d+&nonce=[0-9a-f]{32}&sign=/);
  });

  it("fail with kind stream carrying the workflow's error when the run fails", async () => {
    const promise = workflowApp().ask({ kind: "workflow", user: newUser(), query: "[workflow-fail]" });
    await expect(promise).rejects.toBeInstanceOf(DifyError);
    const err = (await promise.catch((e: unknown) => e)) as DifyError;
    expect(err.kind).toBe("stream");
    expect(err.code).toBe("workflow_failed");
    expect(err.difyMessage).toMatch(/Server Unavailable Error/);
    expect(err.retryable).toBe(false);
  });

  it("fall back to the streamed text when the configured output key is missing and no string output exists", async () => {
    const fetcher: typeof fetch = async () =>
      new Response(
        [
          'data: {"event":"text_chunk","workflow_run_id":"r1","data":{"text":"streamed "}}',
          'data: {"event":"text_chunk","workflow_run_id":"r1","data":{"text":"text"}}',
          'data: {"event":"workflow_finished","workflow_run_id":"r1","data":{"status":"succeeded","outputs":{"n":1}}}',
          "",
        ].join("\n\n"),
        { headers: { "content-type": "text/event-stream" } },
      );
    const dify = new DifyClient({ apiBase: "https://d.invalid/v1", apiKey: "k", workflowOutputKey: "reply" }, fetcher);
    const answer = await dify.ask({ kind: "workflow", user: "u", query: "q" });
    expect(answer.text).toBe("streamed text");
    expect(answer.messageId).toBe("r1");
  });
});

describe("app metadata and uploads", () => {
  it("reads the app mode and name from /info", async () => {
    expect(await client().info()).toEqual({ mode: "advanced-chat", name: "Mock Dify App" });
  });

  it("reads image upload and speech to text switches from /parameters", async () => {
    const params = await client().parameters();
    expect(params.imageUploadEnabled).toBe(true);
    expect(params.imageInput).toEqual({ type: "image", remoteUrl: true });
    expect(params.speechToTextEnabled).toBe(true);
    expect(params.userInputForm).toEqual([]);
  });

  it("reports switches that are off, in the newer allowed_file_types shape too", async () => {
    const reply = (body: unknown): typeof fetch => async () => Response.json(body);
    const off = new DifyClient({ apiBase: "https://d.invalid/v1", apiKey: "k" }, reply({ file_upload: { image: { enabled: false } } }));
    expect(await off.parameters()).toEqual({ imageUploadEnabled: false, speechToTextEnabled: false, userInputForm: [] });
    const newer = new DifyClient(
      { apiBase: "https://d.invalid/v1", apiKey: "k" },
      reply({ file_upload: { enabled: true, allowed_file_types: ["image", "document"] }, speech_to_text: { enabled: false } }),
    );
    expect((await newer.parameters()).imageUploadEnabled).toBe(true);
  });

  it("takes no images when only the legacy image.enabled is on, which Dify ignores", async () => {
    const legacy = new DifyClient({ apiBase: inject("difyUrl"), apiKey: "app-basic-key" });
    expect(await legacy.parameters()).toMatchObject({ imageUploadEnabled: false });
    expect((await legacy.parameters()).imageInput).toBeUndefined();
  });

  it("uploads a file as multipart with the user and returns its id", async () => {
    const user = newUser();
    const id = await client().uploadFile(user, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), "photo.png", "image/png");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [call] = await recordedCalls(user);
    expect(call?.path).toBe("/files/upload");
    expect(call?.body).toEqual({ user, file: { name: "photo.png", type: "image/png", size: 4 } });
  });

  it("transcribes a voice message through /audio-to-text", async () => {
    const user = newUser();
    const text = await client().audioToText(user, new Uint8Array(100), "voice.mp3", "audio/mp3");
    expect(text).toBe("transcribed voice");
    const [call] = await recordedCalls(user);
    expect(call?.path).toBe("/audio-to-text");
    expect(call?.body).toEqual({ user, file: { name: "voice.mp3", type: "audio/mp3", size: 100 } });
  });

  it("fails a short call with kind timeout when the server never answers", async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    const dify = new DifyClient({ apiBase: "https://d.invalid/v1", apiKey: "k", requestTimeoutMs: 50 }, hang);
    const err = (await dify.info().catch((e: unknown) => e)) as DifyError;
    expect(err).toBeInstanceOf(DifyError);
    expect(err.kind).toBe("timeout");
  });

  it("fails with kind http when an upload is refused", async () => {
    const refuse: typeof fetch = async () =>
      Response.json({ code: "file_too_large", message: "File size exceeded.", status: 413 }, { status: 413 });
    const dify = new DifyClient({ apiBase: "https://d.invalid/v1", apiKey: "k" }, refuse);
    const err = (await dify.uploadFile("u", new Uint8Array(1), "a.png", "image/png").catch((e: unknown) => e)) as DifyError;
    expect(err.kind).toBe("http");
    expect(err.code).toBe("file_too_large");
  });
});

describe("appKindFromMode", () => {
  it("maps every Dify app mode to the client kind that can talk to it", () => {
    expect(appKindFromMode("chat")).toBe("chat");
    expect(appKindFromMode("agent-chat")).toBe("chat");
    expect(appKindFromMode("advanced-chat")).toBe("chat");
    // The new Agent App on upstream main reports mode "agent" and is asked on /chat-messages.
    expect(appKindFromMode("agent")).toBe("chat");
    expect(appKindFromMode("completion")).toBe("completion");
    expect(appKindFromMode("workflow")).toBe("workflow");
    expect(appKindFromMode("rag-pipeline")).toBeUndefined();
    expect(appKindFromMode(undefined)).toBeUndefined();
  });
});
