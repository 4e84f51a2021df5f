/**
 * Reads what a client sent the stand-in: JSON, or multipart form data (Service API uploads) summarised as
 * `{user, file: {name, type, size}}` so tests can see it in `GET /__calls`.
 */
import type { IncomingMessage } from "node:http";

/** A multipart `file` part as the stand-in records it. */
export interface UploadedFile {
  name: string;
  type: string;
  size: number;
}

/** Reads a JSON body, or a multipart one as `{user, file}`; other text comes back raw, an empty body as `{}`. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const buffer = Buffer.concat(chunks);
  const type = req.headers["content-type"] ?? "";
  if (type.startsWith("multipart/form-data")) {
    const form = await new Request("http://127.0.0.1/", { method: "POST", headers: { "content-type": type }, body: buffer })
      .formData();
    const file = form.get("file");
    const user = form.get("user");
    return {
      user: typeof user === "string" ? user : undefined,
      file: file instanceof File ? { name: file.name, type: file.type, size: file.size } : undefined,
    };
  }
  const raw = buffer.toString("utf8");
  if (raw === "") return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
