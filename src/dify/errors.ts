/** What went wrong in a Dify call, coarse enough for a retry decision. */
export type DifyErrorKind = "http" | "stream" | "timeout" | "network" | "protocol";

/** Which deadline ended a call that failed with kind "timeout". */
export type DifyDeadline = "connect" | "idle" | "total" | "caller";

/** Fields a DifyError can carry besides its kind and log message. */
export interface DifyErrorDetails {
  /** HTTP status (or the `status` inside a mid-stream error event). */
  status?: number;
  /** Dify's error code, e.g. `not_found`, `too_many_requests`. */
  code?: string;
  /** Dify's own message, kept apart so callers can match on it. */
  difyMessage?: string;
  /** For kind "timeout": which deadline fired. */
  deadline?: DifyDeadline;
  /** The underlying error (fetch failure, abort reason, JSON error). */
  cause?: unknown;
}

/**
 * A failed Dify call. `kind`: "http" (non-2xx JSON error), "stream" (error event mid-stream / workflow failed /
 * stream ended without an answer), "timeout" (connect, idle or total deadline, or the caller's signal), "network"
 * (fetch failed / connection dropped), "protocol" (unparseable response).
 *
 * The message quotes Dify's message and is meant for logs only: never show it to followers. It never contains the
 * API key, because nothing that could hold the key (request headers) is ever quoted.
 */
export class DifyError extends Error {
  /** Coarse failure class, see the class comment. */
  readonly kind: DifyErrorKind;
  /** HTTP status, or the `status` field of a mid-stream error event. */
  readonly status?: number;
  /** Dify's error code when it sent one. */
  readonly code?: string;
  /** Dify's error message when it sent one (logs only). */
  readonly difyMessage?: string;
  /** For kind "timeout": which deadline fired. */
  readonly deadline?: DifyDeadline;
  /** True when trying the same call again later may succeed: busy, 5xx, network, timeout. */
  readonly retryable: boolean;
  /**
   * True when Dify (or the model behind it) is momentarily overloaded: the app's concurrency cap, which flask-restx
   * may answer as 429 `too_many_requests` or as 400 `invalid_param` "Too many requests. Please try again later."
   * (libs/external_api.py handler order; tests/unit_tests/libs/test_external_api.py accepts either), or a model rate
   * limit, which arrives mid-stream as `completion_request_error` 400 (core/model_runtime/errors/invoke.py
   * InvokeRateLimitError, "Rate Limit Error"). Worth one retry after a short pause; never an image refusal.
   */
  readonly busy: boolean;
  /** True for Dify's 404 "Conversation Not Exists.": start a new conversation and retry once. */
  readonly conversationMissing: boolean;

  /** Builds an error; `retryable` and `conversationMissing` are derived from the details, never passed in. */
  constructor(kind: DifyErrorKind, message: string, details: DifyErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "DifyError";
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.difyMessage = details.difyMessage;
    this.deadline = details.deadline;
    this.busy = isBusy(details.status, details.code, details.difyMessage);
    this.retryable = this.busy || isRetryable(kind, details.status, details.code);
    // flask-restx appends " You have requested this URI [...] but did you mean ..." to 404 texts: match the start.
    this.conversationMissing =
      details.status === 404 && /^\s*conversation not exists/i.test(details.difyMessage ?? "");
  }
}

function isBusy(status: number | undefined, code: string | undefined, message: string | undefined): boolean {
  const text = message ?? "";
  if (status === 429) return code === undefined || code === "too_many_requests";
  if (code === "too_many_requests") return true;
  if (code === "invalid_param") return /too many requests/i.test(text);
  if (code === "completion_request_error") return /rate.?limit|too many requests|\b429\b/i.test(text);
  return false;
}

function isRetryable(kind: DifyErrorKind, status: number | undefined, code: string | undefined): boolean {
  if (kind === "network" || kind === "timeout") return true;
  if (status === undefined) return false;
  if (status >= 500) return true;
  // Dify answers 429 both for a momentary rush (too_many_requests) and for a spent quota (rate_limit_error); only the
  // first clears up by waiting.
  return status === 429 && (code === undefined || code === "too_many_requests");
}
