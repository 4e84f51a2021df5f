/**
 * Dify's wire format: how events are serialised and framed, and how the stream is paced.
 *
 * - Framing: `core/app/apps/base_app_generator.py` `convert_to_event_stream`: `data: <json>\n\n` per event; the only
 *   other frame is `event: ping\n\n`. `libs/helper.py` `compact_generate_response`: 200,
 *   `text/event-stream; charset=utf-8`. Gunicorn sends the headers with the first body chunk, never before it.
 * - JSON: since 1.8.1 (commit 3d5a4df9) `libs/orjson.py` `orjson_dumps`: compact, raw UTF-8 (what JSON.stringify
 *   writes); before it `json.dumps` defaults: `", "` / `": "` separators and `\uXXXX` escapes for non-ASCII.
 * - Pings: `core/app/apps/base_app_queue_manager.py` `listen()` queues a ping each time the elapsed time crosses a
 *   multiple of 10 s, behind whatever else is queued.
 */
import type { ServerResponse } from "node:http";

/** Seconds between two keep-alive pings (base_app_queue_manager.py). */
export const PING_INTERVAL_MS = 10_000;

/** A Dify version as [major, minor, patch]. */
export type Version = [number, number, number];

/** The Dify release the stand-in behaves like unless told otherwise (the reference commit cd03e0a9). */
export const DEFAULT_VERSION: Version = [1, 12, 1];

/** -1, 0 or 1 as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Parses "1.8.0" (missing parts are 0); undefined when it is not a version. */
export function parseVersion(text: string): Version | undefined {
  const parts = text.split(".").map(Number);
  if (parts.length === 0 || parts.length > 3 || parts.some((p) => !Number.isInteger(p) || p < 0)) return undefined;
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

/** Python's `json.dumps(value)` with default arguments (ensure_ascii, ", " and ": " separators). */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : JSON.stringify(value);
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${pythonString(k)}: ${pythonJsonDumps(v)}`).join(", ")}}`;
}

function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    // UTF-16 code units, lowercase hex: an emoji becomes its surrogate pair, as Python writes it.
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Writes one Dify event stream: events in the version's JSON, pings every 10 s from the start, headers with the
 * first chunk. `closed` turns true when the client goes away; writes after that are dropped.
 */
export class StreamWriter {
  closed = false;
  private readonly pinger: NodeJS.Timeout;
  private readonly serialise: (event: Record<string, unknown>) => string;

  constructor(private readonly res: ServerResponse, version: Version, opts: { pings?: boolean } = {}) {
    this.serialise = compareVersions(version, [1, 8, 1]) < 0 ? pythonJsonDumps : (e) => JSON.stringify(e);
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
    res.on("close", () => {
      this.closed = true;
      clearInterval(this.pinger);
    });
    this.pinger = setInterval(() => {
      if (opts.pings !== false) this.raw("event: ping\n\n");
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  /** Sends one event as `data: <json>\n\n`. */
  send(event: Record<string, unknown>): void {
    this.raw(`data: ${this.serialise(event)}\n\n`);
  }

  /** Sends the headers now, before any event (what a proxy or a hung worker may do; Dify itself never does). */
  flushHeaders(): void {
    this.res.flushHeaders();
  }

  /** Stops the pings without ending the response (a hung server that keeps the socket open). */
  hang(): void {
    clearInterval(this.pinger);
  }

  /** Ends the stream. */
  end(): void {
    clearInterval(this.pinger);
    if (!this.closed) this.res.end();
  }

  /** Destroys the connection mid-stream. */
  destroy(): void {
    clearInterval(this.pinger);
    this.res.destroy();
  }

  private raw(text: string): void {
    if (!this.closed && !this.res.writableEnded) this.res.write(text);
  }
}
