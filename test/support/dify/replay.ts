/**
 * Replay of recorded Dify streams (test/fixtures/dify-streams/*.sse) byte for byte, cut into small writes at
 * arbitrary byte offsets with a short pause between them, so the worker's SSE reader meets every kind of boundary a
 * real network gives it: inside a multi-byte UTF-8 character, inside a `data:` line, between "\n" and "\n".
 *
 * The status line and headers are Dify's (`libs/helper.py` `compact_generate_response`: 200,
 * `text/event-stream; charset=utf-8` once Flask adds the charset), and like gunicorn the stand-in sends the headers
 * together with the first chunk of the body, never before it.
 */
import { readFileSync, readdirSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { registerRecordedFiles } from "./files.js";

/** The folder the recorded streams and their manifest live in. */
export const STREAMS_DIR = fileURLToPath(new URL("../../fixtures/dify-streams/", import.meta.url));

/** Which Service API route a recorded stream belongs to (the app mode decides it). */
export type StreamRoute = "chat" | "completion" | "workflow";

/** One recorded stream: its bytes and the route its app mode answers on. */
export interface RecordedStream {
  name: string;
  bytes: Buffer;
  route: StreamRoute;
  /** The conversation the stream belongs to (chat routes), so later questions may continue it. */
  conversationId?: string;
  /** The stream's own clock at its start (its first `created_at`, seconds), for the files it signed. */
  startedAtS?: number;
}

/** How to cut and pace a replay. */
export interface ReplayPacing {
  /** Milliseconds between two writes. */
  paceMs: number;
  /** Seed of the cut positions: the same seed gives the same writes. */
  seed: number;
  /** The largest write, in bytes. */
  maxWrite: number;
}

/** Default pacing: a few milliseconds between writes of 1..48 bytes. */
export const DEFAULT_PACING: ReplayPacing = { paceMs: 2, seed: 1, maxWrite: 48 };

let cache: Map<string, RecordedStream> | undefined;

/** All recorded streams by name (file name without `.sse`), read once. */
export function recordedStreams(): Map<string, RecordedStream> {
  if (cache) return cache;
  cache = new Map();
  for (const file of readdirSync(STREAMS_DIR).filter((f) => f.endsWith(".sse")).sort()) {
    const name = file.slice(0, -".sse".length);
    const bytes = readFileSync(`${STREAMS_DIR}${file}`);
    cache.set(name, { name, bytes, ...describe(bytes) });
  }
  return cache;
}

/**
 * The route from the first data event's ids: chat-like converters seed `conversation_id`, the completion converter
 * only `message_id`, the workflow converter `workflow_run_id` (core/app/apps/{chat,completion,workflow}/
 * generate_response_converter.py).
 */
function describe(bytes: Buffer): Omit<RecordedStream, "name" | "bytes"> {
  const line = bytes.toString("utf8").split("\n").find((l) => l.startsWith("data: "));
  const first = line === undefined ? {} : (JSON.parse(line.slice("data: ".length)) as Record<string, unknown>);
  const data = typeof first.data === "object" && first.data !== null ? (first.data as Record<string, unknown>) : {};
  const created = typeof first.created_at === "number" ? first.created_at : data.created_at;
  const startedAtS = typeof created === "number" ? created : undefined;
  if (typeof first.conversation_id === "string") return { route: "chat", conversationId: first.conversation_id, startedAtS };
  if (typeof first.workflow_run_id === "string" && first.message_id === undefined) return { route: "workflow", startedAtS };
  return { route: "completion", startedAtS };
}

/** mulberry32: a tiny seeded generator, so a failing cut pattern can be reproduced with `[seed=N]`. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Cut positions for `bytes`: random write sizes, plus for every event one cut inside its `data:` prefix and one
 * inside its first multi-byte character, so those boundaries are met whatever the seed.
 */
export function cutPoints(bytes: Uint8Array, pacing: Pick<ReplayPacing, "seed" | "maxWrite">): number[] {
  const next = random(pacing.seed);
  const cuts = new Set<number>();
  for (let at = 0; at < bytes.length;) {
    at += 1 + Math.floor(next() * pacing.maxWrite);
    if (at < bytes.length) cuts.add(at);
  }
  let lineStart = true;
  let multiByteSeen = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (lineStart && b === 0x64 /* d */) {
      cuts.add(i + 3); // "dat|a: "
      multiByteSeen = false;
    }
    if (!multiByteSeen && b >= 0xc0) {
      cuts.add(i + 1); // after a lead byte, before its continuation bytes
      multiByteSeen = true;
    }
    lineStart = b === 0x0a;
  }
  return [...cuts].filter((c) => c > 0 && c < bytes.length).sort((x, y) => x - y);
}

// Unref'd: a long `[delay]` still pending when the tests end must not keep the test process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Writes `stream` to `res` as Dify would, cut and paced as `pacing` says; stops if the client goes away. */
export async function replayStream(res: ServerResponse, stream: RecordedStream, pacing: ReplayPacing): Promise<void> {
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  if (stream.startedAtS !== undefined) registerRecordedFiles(stream.bytes, stream.startedAtS);
  // Gunicorn sends the headers with the first body chunk: writeHead without flushHeaders does the same.
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  let from = 0;
  for (const cut of [...cutPoints(stream.bytes, pacing), stream.bytes.length]) {
    if (closed) return;
    if (from > 0 && pacing.paceMs > 0) await sleep(pacing.paceMs);
    res.write(stream.bytes.subarray(from, cut));
    from = cut;
  }
  res.end();
}
