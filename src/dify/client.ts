import { AnswerBuilder } from "./answer.js";
import { CallDeadline, type DeadlineLimits } from "./deadline.js";
import { imageInputFrom } from "./file-upload.js";
import { DifyError } from "./errors.js";
import { httpError, readJsonObject } from "./http.js";
import { readSseEvents } from "./sse.js";
import type {
  DifyAnswer,
  DifyAppInfo,
  DifyAppKind,
  DifyAppParameters,
  DifyAsk,
  DifyClientOptions,
  DifyStreamHooks,
} from "./types.js";

export type {
  DifyAnswer,
  DifyAnswerFile,
  DifyAppInfo,
  DifyAppKind,
  DifyAppParameters,
  DifyAsk,
  DifyClientOptions,
  DifyFileRef,
  DifyImageInput,
  DifyStreamHooks,
} from "./types.js";

const PATHS: Record<DifyAppKind, string> = {
  chat: "/chat-messages",
  completion: "/completion-messages",
  workflow: "/workflows/run",
};

/** Wraps an error thrown by the caller's onText hook so it reaches the caller unchanged, not as a DifyError. */
class HookFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Client for one Dify app's Service API. Every call runs under deadlines that also cover the response body, and every
 * failure surfaces as a DifyError. One instance per app key; it holds no per-call state, so it can be shared.
 */
export class DifyClient {
  private readonly base: string;
  private readonly fetcher: typeof fetch;

  /** `fetcher` defaults to the global fetch (tests may pass their own). */
  constructor(private readonly options: DifyClientOptions, fetcher?: typeof fetch) {
    this.base = options.apiBase.replace(/\/+$/, "");
    this.fetcher = fetcher ?? ((input, init) => fetch(input, init));
  }

  /**
   * Streams one answer. response_mode is always "streaming": agent apps accept nothing else, and Dify Cloud's proxy
   * cuts blocking calls at ~100 s. chat -> POST /chat-messages; completion -> POST /completion-messages and workflow ->
   * POST /workflows/run, both with the question as `inputs.query`. Resolves once message_end (chat, completion) or
   * workflow_finished (workflow) arrives; rejects with a DifyError otherwise.
   */
  async ask(ask: DifyAsk, hooks: DifyStreamHooks = {}): Promise<DifyAnswer> {
    const started = Date.now();
    const path = PATHS[ask.kind];
    const what = `Dify POST ${path}`;
    const deadline = new CallDeadline(this.streamLimits(), hooks.signal);
    let firstEventMs: number | undefined;
    try {
      const res = await this.fetcher(`${this.base}${path}`, {
        method: "POST",
        headers: { ...this.authHeaders(), "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(requestBody(ask)),
        signal: deadline.signal,
      });
      deadline.headersArrived();
      if (!res.ok) throw await httpError(res, deadline.signal, what);
      const type = res.headers.get("content-type") ?? "";
      if (!type.includes("text/event-stream") || res.body === null) {
        throw new DifyError("protocol", `${what}: expected an event stream, got "${type || "no content type"}"`, {
          status: res.status,
        });
      }
      const answer = new AnswerBuilder(ask.kind, this.base, this.options.workflowOutputKey);
      for await (const event of readSseEvents(res.body, deadline.signal)) {
        deadline.touch();
        const changed = answer.apply(event);
        if (changed) {
          firstEventMs ??= Date.now() - started;
          notify(hooks, answer.text, answer.lastDelta);
        }
        if (answer.finished) break;
      }
      if (!answer.finished) {
        throw new DifyError(
          "stream",
          `${what}: stream ended before ${ask.kind === "workflow" ? "workflow_finished" : "message_end"}`,
        );
      }
      return {
        text: answer.text,
        conversationId: answer.conversationId,
        messageId: answer.messageId,
        files: answer.files,
        firstEventMs,
        totalMs: Date.now() - started,
      };
    } catch (err) {
      if (err instanceof HookFailure) throw err.error;
      throw deadline.toError(err, what);
    } finally {
      deadline.dispose();
    }
  }

  /** GET /info: the app's name and mode (mode is absent on older Dify servers). */
  async info(): Promise<DifyAppInfo> {
    const body = await this.getJson("/info");
    const out: DifyAppInfo = {};
    if (typeof body.mode === "string") out.mode = body.mode;
    if (typeof body.name === "string") out.name = body.name;
    return out;
  }

  /** GET /parameters: whether (and how) images are taken, whether speech to text is on, and the input form. */
  async parameters(): Promise<DifyAppParameters> {
    const body = await this.getJson("/parameters");
    const imageInput = imageInputFrom(body.file_upload);
    return {
      imageUploadEnabled: imageInput !== undefined,
      ...(imageInput ? { imageInput } : {}),
      speechToTextEnabled: record(body.speech_to_text).enabled === true,
      userInputForm: Array.isArray(body.user_input_form) ? body.user_input_form : [],
    };
  }

  /** POST /files/upload (multipart: file, user); returns the upload_file_id to put in DifyFileRef. */
  async uploadFile(user: string, bytes: Uint8Array, filename: string, contentType: string): Promise<string> {
    const body = await this.postMultipart("/files/upload", user, bytes, filename, contentType);
    if (typeof body.id !== "string" || body.id === "") {
      throw new DifyError("protocol", "Dify POST /files/upload: response has no file id");
    }
    return body.id;
  }

  /** POST /audio-to-text (multipart: file, user); returns the transcript. */
  async audioToText(user: string, bytes: Uint8Array, filename: string, contentType: string): Promise<string> {
    const body = await this.postMultipart("/audio-to-text", user, bytes, filename, contentType);
    if (typeof body.text !== "string") {
      throw new DifyError("protocol", "Dify POST /audio-to-text: response has no text");
    }
    return body.text;
  }

  private async getJson(path: string): Promise<Record<string, unknown>> {
    return this.request("GET", path, undefined);
  }

  private async postMultipart(
    path: string,
    user: string,
    bytes: Uint8Array,
    filename: string,
    contentType: string,
  ): Promise<Record<string, unknown>> {
    const form = new FormData();
    // Copy into a fresh ArrayBuffer: a view over a larger (or shared) buffer is not a valid BlobPart everywhere.
    form.append("file", new Blob([bytes.slice()], { type: contentType }), filename);
    form.append("user", user);
    return this.request("POST", path, form);
  }

  /** A short non-streaming call: one deadline for headers and body together. */
  private async request(method: string, path: string, body: FormData | undefined): Promise<Record<string, unknown>> {
    const what = `Dify ${method} ${path}`;
    const limit = this.options.requestTimeoutMs ?? 60_000;
    const deadline = new CallDeadline({ connectMs: limit, idleMs: Infinity, totalMs: limit });
    try {
      const res = await this.fetcher(`${this.base}${path}`, {
        method,
        headers: this.authHeaders(),
        body,
        signal: deadline.signal,
      });
      deadline.headersArrived();
      if (!res.ok) throw await httpError(res, deadline.signal, what);
      return await readJsonObject(res, deadline.signal, what);
    } catch (err) {
      throw deadline.toError(err, what);
    } finally {
      deadline.dispose();
    }
  }

  private authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.options.apiKey}` };
  }

  private streamLimits(): DeadlineLimits {
    return {
      connectMs: this.options.connectTimeoutMs ?? 15_000,
      idleMs: this.options.idleTimeoutMs ?? 30_000,
      totalMs: this.options.totalTimeoutMs ?? 600_000,
    };
  }
}

/**
 * Maps Dify's /info mode to our kind: chat | agent-chat | agent | advanced-chat -> chat, completion, workflow; else
 * undefined. `agent` is the new Agent App on upstream main; it is asked on /chat-messages like the legacy agent.
 */
export function appKindFromMode(mode: string | undefined): DifyAppKind | undefined {
  switch (mode) {
    case "chat":
    case "agent-chat":
    case "agent":
    case "advanced-chat":
      return "chat";
    case "completion":
      return "completion";
    case "workflow":
      return "workflow";
    default:
      return undefined;
  }
}

/** The JSON body Dify expects for each app kind. */
function requestBody(ask: DifyAsk): Record<string, unknown> {
  const files = ask.files !== undefined && ask.files.length > 0 ? { files: ask.files } : {};
  if (ask.kind === "chat") {
    return {
      inputs: ask.inputs ?? {},
      query: ask.query,
      user: ask.user,
      response_mode: "streaming",
      // Dify treats a missing and an empty conversation_id alike: both start a new conversation.
      ...(ask.conversationId ? { conversation_id: ask.conversationId } : {}),
      ...files,
      // Naming a conversation costs an extra LLM call per new conversation that no follower ever sees.
      auto_generate_name: false,
    };
  }
  return { inputs: { ...ask.inputs, query: ask.query }, response_mode: "streaming", user: ask.user, ...files };
}

function notify(hooks: DifyStreamHooks, text: string, delta: string | undefined): void {
  try {
    hooks.onText?.(text, delta);
  } catch (err) {
    throw new HookFailure(err);
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
