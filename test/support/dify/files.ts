/**
 * Files the stand-in's apps "produced", served the way Dify serves tool files: `GET /files/tools/<uuid>.<ext>` with a
 * signed query (`timestamp`, `nonce`, `sign`) that dies FILES_ACCESS_TIMEOUT seconds after signing.
 *
 * Dify: `core/tools/signature.py` (`sign_tool_file`: HMAC-SHA256 of "file-preview|id|timestamp|nonce" with SECRET_KEY,
 * URL-safe base64; `verify_tool_file_signature`: same sign and `now - timestamp <= FILES_ACCESS_TIMEOUT`),
 * `controllers/files/tool_files.py` (403 Forbidden "Invalid request." otherwise), `configs/feature` FILES_ACCESS_TIMEOUT
 * default 300. Each call of sign() gives a new nonce, as each serialisation in Dify signs afresh.
 *
 * Recorded streams carry signatures made with a secret the stand-in does not know. A replay registers them with the
 * clock of the recording: the signature counts as made `signedAfterMs` after the replay started, so it is valid for
 * FILES_ACCESS_TIMEOUT from then, as it was on the server that sent it.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Dify's default FILES_ACCESS_TIMEOUT, in seconds. */
export const FILES_ACCESS_TIMEOUT_S = 300;

const SECRET_KEY = "stand-in-secret-key";

/** A 1x1 transparent PNG: the image every produced file contains. */
export const TINY_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

const sign = (id: string, timestamp: string, nonce: string) =>
  createHmac("sha256", SECRET_KEY).update(`file-preview|${id}|${timestamp}|${nonce}`).digest("base64url")
    // Python's urlsafe_b64encode keeps the "=" padding; Node's base64url drops it.
    .padEnd(44, "=");

/** Signatures taken from a recorded stream: exact query -> the real time (ms) at which it stops being valid. */
const recorded = new Map<string, number>();

/** A signed, origin-free tool file path (`FILES_URL` empty, the docker default), valid for 300 s from now. */
export function signToolFile(id: string, extension: string): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString("hex");
  return `/files/tools/${id}${extension}?timestamp=${timestamp}&nonce=${nonce}&sign=${sign(id, timestamp, nonce)}`;
}

/**
 * Registers the tool-file URLs of a recorded stream. `streamStartS` is the stream's own creation time (its first
 * `created_at`): a URL signed at `timestamp` stays valid until real time `now + (timestamp - streamStartS) + 300 s`.
 */
export function registerRecordedFiles(bytes: Buffer, streamStartS: number): void {
  const text = bytes.toString("utf8");
  for (const match of text.matchAll(/\/files\/tools\/[0-9a-f-]{36}\.[a-z0-9]+\?timestamp=(\d+)&nonce=[0-9a-f]+&sign=[A-Za-z0-9_=-]+/g)) {
    const signedAfterS = Number(match[1]) - streamStartS;
    recorded.set(match[0], Date.now() + (signedAfterS + FILES_ACCESS_TIMEOUT_S) * 1000);
  }
}

/** Answers `GET /files/tools/...`; returns false for other paths. */
export function serveToolFile(req: IncomingMessage, res: ServerResponse, json: (status: number, body: unknown) => void): boolean {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const match = /^\/files\/tools\/([0-9a-f-]{36})\.[a-z0-9]+$/.exec(url.pathname);
  if (match === null) return false;
  const id = match[1]!;
  const timestamp = url.searchParams.get("timestamp") ?? "";
  const nonce = url.searchParams.get("nonce") ?? "";
  const given = url.searchParams.get("sign") ?? "";
  const recordedUntil = recorded.get(`${url.pathname}${url.search}`);
  const valid = recordedUntil !== undefined
    ? Date.now() <= recordedUntil
    : given === sign(id, timestamp, nonce) && Date.now() / 1000 - Number(timestamp) <= FILES_ACCESS_TIMEOUT_S;
  if (!valid) {
    json(403, { code: "forbidden", message: "Invalid request.", status: 403 });
    return true;
  }
  res.writeHead(200, { "content-type": "image/png", "content-length": String(TINY_PNG.length) });
  res.end(TINY_PNG);
  return true;
}
