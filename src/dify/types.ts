/** The three shapes of Dify app this client can talk to; agent and chatflow apps are "chat". */
export type DifyAppKind = "chat" | "completion" | "workflow";

/** A file sent along with a question: a public URL, or an id from uploadFile(). */
export interface DifyFileRef {
  type: "image" | "document" | "audio" | "video" | "custom";
  transfer_method: "remote_url" | "local_file";
  url?: string;
  upload_file_id?: string;
}

/** One question for a Dify app. `user` scopes conversations and uploads on Dify's side. */
export interface DifyAsk {
  kind: DifyAppKind;
  user: string;
  query: string;
  /** App input variables; for completion and workflow apps `query` is added as `inputs.query`. */
  inputs?: Record<string, unknown>;
  /** Continue this conversation (chat apps only); omit to start a new one. */
  conversationId?: string;
  files?: DifyFileRef[];
}

/** A file the app produced (e.g. a generated image), with an absolute URL. */
export interface DifyAnswerFile {
  type: string;
  /** The most recently signed URL Dify gave for the file. */
  url: string;
  /** The file's identity, equal for every signed URL of one file (see fileUrlKey). */
  key: string;
}

/** A finished answer. */
export interface DifyAnswer {
  /** The full answer text; may be empty when the app produced only files. */
  text: string;
  /** Chat apps: the conversation to continue next time. */
  conversationId?: string;
  /** Chat/completion: Dify's message id; workflow: the workflow run id. */
  messageId?: string;
  files: DifyAnswerFile[];
  /** Milliseconds from sending the request to the first answer text, when any text came. */
  firstEventMs?: number;
  /** Milliseconds the whole call took. */
  totalMs: number;
}

/** Optional observers of one streamed call. */
export interface DifyStreamHooks {
  /** Called with the whole answer so far each time it changes (deltas, replacements). */
  /**
   * `delta` is what this event appended to the end of the text, when that is all it did (else undefined: the text
   * was replaced or rewritten). Reading `delta` instead of the whole text keeps a long stream linear.
   */
  onText?(fullTextSoFar: string, delta?: string): void;
  /** Aborting ends the call (headers or body) with a DifyError of kind "timeout", deadline "caller". */
  signal?: AbortSignal;
}

/** Settings of a DifyClient. Timeouts in milliseconds. */
export interface DifyClientOptions {
  /** Base URL ending in /v1, e.g. https://api.dify.ai/v1. */
  apiBase: string;
  /** The app's API key (`app-...`); sent as a Bearer token, never logged. */
  apiKey: string;
  /** Longest gap between two stream events, pings included. Default 30000. */
  idleTimeoutMs?: number;
  /** Longest a streamed answer may take overall. Default 600000. */
  totalTimeoutMs?: number;
  /** Longest wait for response headers. Default 15000. */
  connectTimeoutMs?: number;
  /** Whole-call limit for the non-streaming calls (info, parameters, uploads, speech to text). Default 60000. */
  requestTimeoutMs?: number;
  /** Workflow output holding the answer. Default "text", then "answer", "output", "result", then the first string. */
  workflowOutputKey?: string;
}

/** What GET /info tells about the app. `mode` is missing on Dify servers older than mid-2025. */
export interface DifyAppInfo {
  mode?: string;
  name?: string;
}

/** How the app takes an image with a question (see src/dify/file-upload.ts for Dify's rules). */
export interface DifyImageInput {
  /** The file `type` to send: "image", or "custom" when the app allows custom files with image extensions. */
  type: "image" | "custom";
  /** Dify may fetch the picture's URL itself; otherwise it must be uploaded first (POST /files/upload). */
  remoteUrl: boolean;
  /** For "custom": the extension the upload's file name must carry to pass Dify's check. */
  extension?: string;
}

/** The parts of GET /parameters this project acts on. */
export interface DifyAppParameters {
  /** Images may be attached to questions (`imageInput` says how). */
  imageUploadEnabled: boolean;
  /** How images are attached, when they may be. */
  imageInput?: DifyImageInput;
  /** The app has speech to text switched on (POST /audio-to-text works). */
  speechToTextEnabled: boolean;
  /** The app's input form, as Dify sent it. */
  userInputForm: unknown[];
}
