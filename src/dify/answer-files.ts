/**
 * The files an answer carries, each once. Dify signs a file URL afresh (new timestamp, nonce and sign) every time it
 * serialises the file (`core/file/helpers.py` `get_signed_file_url`, `core/tools/signature.py` `sign_tool_file`), so
 * one generated image reaches us as two or three different URLs: a Markdown image in the text, an entry of
 * `workflow_finished.data.files`, an entry of `message_end.files`. Files are therefore matched by identity (the
 * tool-file or upload-file id in the URL path, `related_id`, the message-file id), never by URL.
 */
import type { DifyAnswerFile } from "./types.js";

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Query parameters Dify adds when it signs a file URL; they change on every serialisation. */
const SIGNING_PARAMS = ["timestamp", "nonce", "sign", "as_attachment"];

/**
 * `/files/tools/<tool_file_id>.<ext>` (`sign_tool_file`) and `/files/<upload_file_id>/{file,image}-preview`
 * (`get_signed_file_url`, `sign_file_urls_in_text`): the id is the file's identity.
 */
const DIFY_FILE_PATH = /\/files\/(?:tools\/([0-9a-f-]{16,})(?:\.[A-Za-z0-9]+)?|([0-9a-f-]{16,})\/(?:file|image)-preview)$/i;

/** True for a URL Dify signed: it stops working FILES_ACCESS_TIMEOUT (300 s by default) after signing. */
export function isDifySignedUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url, "http://relative.invalid");
  } catch {
    return false;
  }
  const q = parsed.searchParams;
  return q.has("sign") || q.has("timestamp") || q.has("nonce") || DIFY_FILE_PATH.test(parsed.pathname);
}

/**
 * The identity of a file URL: "id:<uuid>" for Dify's own file paths, else the URL without Dify's signing
 * parameters. Two serialisations of one file give the same key; two different files never do.
 */
export function fileUrlKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `url:${url}`;
  }
  const match = DIFY_FILE_PATH.exec(parsed.pathname);
  const id = match?.[1] ?? match?.[2];
  if (id !== undefined) return `id:${id.toLowerCase()}`;
  for (const name of SIGNING_PARAMS) parsed.searchParams.delete(name);
  return `url:${parsed.toString()}`;
}

/**
 * Every key a file object answers to. `related_id` is the tool/upload file id in a workflow output
 * (`core/file/models.py` `File.to_dict`) but the message-file id in `message_end.files`
 * (`core/app/task_pipeline/message_file_utils.py` `prepare_file_dict`), and a `message_file` event's `id` is the
 * message-file id: ids are UUIDs, so one namespace holds them all.
 */
function keysOf(value: Json, url: string, isMessageFileEvent: boolean): string[] {
  const keys = [fileUrlKey(url)];
  for (const id of [str(value.related_id), str(value.upload_file_id), isMessageFileEvent ? str(value.id) : undefined]) {
    if (id !== undefined) keys.push(`id:${id.toLowerCase()}`);
  }
  return keys;
}

/** The files of one answer, in the order they first appeared, each once, with the most recently signed URL. */
export class AnswerFiles {
  private readonly entries: Array<{ file: DifyAnswerFile; keys: Set<string> }> = [];

  /** `apiBase` resolves the relative URLs Dify sends when its FILES_URL is empty (the docker default). */
  constructor(private readonly apiBase: string) {}

  /** The files so far. */
  get list(): DifyAnswerFile[] {
    return this.entries.map((e) => e.file);
  }

  /**
   * Adds one file object (message_file event, message_end / workflow file entry); anything without a URL is skipped.
   * `skipUserInput` drops entries that are the question's own files: `message_end.files` lists every file of the
   * message without `belongs_to`, and the follower's image is a remote_url or local_file one, while what the app
   * produced is a tool_file (`core/app/apps/base_app_runner.py`, `core/tools/tool_engine.py`).
   */
  add(value: unknown, options: { messageFileEvent?: boolean; skipUserInput?: boolean } = {}): void {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return;
    const item = value as Json;
    if (options.skipUserInput && (item.transfer_method === "remote_url" || item.transfer_method === "local_file")) return;
    const raw = str(item.url) ?? str(item.remote_url);
    if (raw === undefined) return;
    let url: string;
    try {
      url = new URL(raw, this.apiBase).toString();
    } catch {
      return;
    }
    this.addUrl(url, str(item.type) ?? "custom", keysOf(item, url, options.messageFileEvent === true));
  }

  /** Adds every file of a list (or one file object). */
  addAll(value: unknown, options: { skipUserInput?: boolean } = {}): void {
    if (Array.isArray(value)) for (const item of value) this.add(item, options);
    else this.add(value, options);
  }

  private addUrl(url: string, type: string, keys: string[]): void {
    const known = this.entries.find((e) => keys.some((k) => e.keys.has(k)));
    if (known === undefined) {
      this.entries.push({ file: { type, url, key: keys[0]! }, keys: new Set(keys) });
      return;
    }
    for (const k of keys) known.keys.add(k);
    // The later serialisation was signed later, so its URL stays valid longer.
    known.file = { ...known.file, url, type: known.file.type === "custom" ? type : known.file.type };
  }
}
