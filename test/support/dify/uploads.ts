/**
 * POST /files/upload and POST /audio-to-text.
 *
 * - Uploads: `controllers/service_api/app/file.py` (400 `no_file_uploaded` without a file part; 201 with the fields
 *   of `fields/file_fields.py`).
 * - Speech to text: `controllers/service_api/app/audio.py`, `services/audio_service.py`: the app must have
 *   speech_to_text enabled (else a ValueError, 400 `invalid_param` "Speech to text is not enabled"), a file part is
 *   required (400 `no_audio_uploaded`), its mimetype must be `audio/` + one of `constants` AUDIO_EXTENSIONS
 *   mp3, m4a, wav, amr, mpga (either case; else 415 `unsupported_audio_type`), at most 30 MB (413 `audio_too_large`).
 */
import type { ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { StandInApp } from "./apps.js";
import { errorBody, sendJson } from "./http-errors.js";
import type { UploadedFile } from "./request-body.js";

const AUDIO_EXTENSIONS = ["mp3", "m4a", "wav", "amr", "mpga"];
const AUDIO_MIMETYPES = new Set(AUDIO_EXTENSIONS.flatMap((e) => [`audio/${e}`, `audio/${e.toUpperCase()}`]));
const AUDIO_LIMIT_BYTES = 30 * 1024 * 1024;

/** POST /files/upload. */
export function handleUpload(res: ServerResponse, file: UploadedFile | undefined, user: string): void {
  if (!file) return sendJson(res, 400, errorBody(400, "no_file_uploaded"));
  const id = randomUUID();
  const extension = file.name.includes(".") ? file.name.split(".").pop() ?? "" : "";
  sendJson(res, 201, {
    id, name: file.name, size: file.size, extension, mime_type: file.type, created_by: randomUUID(),
    created_at: Math.floor(Date.now() / 1000), preview_url: null, source_url: `/files/${id}/file-preview`,
    original_url: null, user_id: user, tenant_id: "5d2b1f3a-7c9e-4a1b-8d6f-0e2c4a6b8d0f", conversation_id: null,
    file_key: `upload_files/5d2b1f3a-7c9e-4a1b-8d6f-0e2c4a6b8d0f/${id}.${extension}`,
  });
}

/** POST /audio-to-text: a fixed transcript, "transcribed voice". */
export function handleAudio(res: ServerResponse, app: StandInApp, file: UploadedFile | undefined): void {
  if (!app.speechToText) return sendJson(res, 400, errorBody(400, "invalid_param", "Speech to text is not enabled"));
  if (!file) return sendJson(res, 400, errorBody(400, "no_audio_uploaded"));
  if (!AUDIO_MIMETYPES.has(file.type)) return sendJson(res, 415, errorBody(415, "unsupported_audio_type"));
  if (file.size > AUDIO_LIMIT_BYTES) return sendJson(res, 413, errorBody(413, "audio_too_large"));
  sendJson(res, 200, { text: "transcribed voice" });
}
