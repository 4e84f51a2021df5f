/** The Dify protocol: a streaming client for chat, completion and workflow apps, its errors and SSE parsing. */
export { DifyClient, appKindFromMode } from "./client.js";
export type {
  DifyAnswer,
  DifyAnswerFile,
  DifyAppInfo,
  DifyAppKind,
  DifyAppParameters,
  DifyAsk,
  DifyClientOptions,
  DifyFileRef,
  DifyStreamHooks,
} from "./client.js";
export { DifyError, type DifyDeadline, type DifyErrorDetails, type DifyErrorKind } from "./errors.js";
export { SseParser, readSseEvents, type SseEvent } from "./sse.js";
