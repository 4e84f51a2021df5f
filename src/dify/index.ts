/** The Dify protocol: a streaming client for chat, completion and workflow apps, its errors and SSE parsing. */
export { DifyClient, appKindFromMode } from "./client.js";
export type * from "./types.js";
export { DifyError, type DifyDeadline, type DifyErrorDetails, type DifyErrorKind } from "./errors.js";
export { fileUrlKey, isDifySignedUrl } from "./answer-files.js";
export { SseParser, readSseEvents, type SseEvent } from "./sse.js";
