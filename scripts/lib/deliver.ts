/**
 * Sends one callback with WeChat's real timing: each request is cut after 5 s and the byte-identical request is
 * sent again, 3 requests in all; a quick failure (non-200, refused connection) is retried at once. The first 200
 * decides what the follower sees.
 */
import { readPassiveReply, type AccountSettings, type PassiveReply, type SignedCallback } from "./callback";

/** WeChat's patience per request. */
export const WECHAT_TIMEOUT_MS = 5000;
/** Requests per message (the first and two retries). */
export const WECHAT_ATTEMPTS = 3;

/** Something that happened to one request; `at` is epoch milliseconds. */
export type DeliveryEvent =
  | { type: "sent"; request: number; at: number }
  | { type: "timeout"; request: number; at: number; final: boolean }
  | { type: "failed"; request: number; at: number; final: boolean; status?: number; error?: string }
  | { type: "answered"; request: number; at: number; reply: PassiveReply };

/** Options of {@link deliverLikeWechat}. */
export interface DeliveryOptions {
  /** Per-request cut-off; 5000 like WeChat (lower only to test the simulator itself). */
  timeoutMs?: number;
  attempts?: number;
  /** Called as each event happens, for live transcripts. */
  onEvent?: (event: DeliveryEvent) => void;
}

/** The outcome: which request got a 200 (if any) and what it meant. */
export interface DeliveryResult {
  /** 1-based number of the request that got a 200; undefined when none did. */
  request?: number;
  reply?: PassiveReply;
  startedAt: number;
  events: DeliveryEvent[];
}

/** Sends `signed` as WeChat would and resolves once a request got a 200 or all of them failed. */
export async function deliverLikeWechat(
  signed: SignedCallback,
  openid: string,
  settings: AccountSettings,
  options: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const timeoutMs = options.timeoutMs ?? WECHAT_TIMEOUT_MS;
  const attempts = options.attempts ?? WECHAT_ATTEMPTS;
  const events: DeliveryEvent[] = [];
  const emit = (event: DeliveryEvent) => {
    events.push(event);
    options.onEvent?.(event);
  };
  const startedAt = Date.now();
  for (let request = 1; request <= attempts; request++) {
    emit({ type: "sent", request, at: Date.now() });
    const outcome = await postWithin(signed, timeoutMs);
    const at = Date.now();
    const final = request === attempts;
    if (outcome.kind === "timeout") {
      emit({ type: "timeout", request, at, final });
      continue;
    }
    if (outcome.kind === "error") {
      emit({ type: "failed", request, at, final, error: outcome.message });
      continue;
    }
    if (outcome.status !== 200) {
      emit({ type: "failed", request, at, final, status: outcome.status });
      continue;
    }
    const reply = readPassiveReply(outcome.body, openid, settings);
    emit({ type: "answered", request, at, reply });
    return { request, reply, startedAt, events };
  }
  return { startedAt, events };
}

type PostOutcome =
  | { kind: "timeout" }
  | { kind: "error"; message: string }
  | { kind: "response"; status: number; body: string };

/** One POST whose deadline covers the headers and the whole body, as WeChat's does. */
async function postWithin(signed: SignedCallback, timeoutMs: number): Promise<PostOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(signed.url, {
      method: "POST",
      headers: { "content-type": "text/xml", "user-agent": "Mozilla/4.0 (dify-wechat-worker simulator)" },
      body: signed.body,
      signal: controller.signal,
      redirect: "manual",
    });
    const body = await response.text();
    return { kind: "response", status: response.status, body };
  } catch (error) {
    if (controller.signal.aborted) return { kind: "timeout" };
    return { kind: "error", message: describeFetchError(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Node's fetch hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === "string" ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}
