/**
 * Whether a Dify app takes images with a question, read from `GET /parameters` `file_upload` the way Dify itself
 * reads it:
 * - Files are accepted only when the top-level `enabled` is true: `FileUploadConfigManager.convert`
 *   (core/app/app_config/features/file_upload/manager.py) returns no upload config otherwise, and the files of the
 *   request are dropped silently. The legacy `file_upload.image.enabled` alone does nothing.
 * - Each file is then checked by `_is_file_valid_with_config` (factories/file_factory.py): its `type` must be in
 *   `allowed_file_types` (an empty list allows any), except `custom`, whose extension must be in
 *   `allowed_file_extensions` as written (an upload's extension is stored lower-case, services/file_service.py); an
 *   image's transfer method must be in `allowed_file_upload_methods` (converted into `image_config.transfer_methods`).
 *   A file that fails is refused with 400 "File validation failed".
 */
import type { DifyImageInput } from "./types.js";

type Json = Record<string, unknown>;

/** Image extensions an upload of a WeChat picture can get (services/file_service.py stores them lower-case). */
const IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".gif", ".webp"];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** How an image can be attached to a question for this `file_upload` feature, or undefined when it cannot. */
export function imageInputFrom(fileUpload: unknown): DifyImageInput | undefined {
  if (typeof fileUpload !== "object" || fileUpload === null || Array.isArray(fileUpload)) return undefined;
  const upload = fileUpload as Json;
  if (upload.enabled !== true) return undefined;
  const types = strings(upload.allowed_file_types);
  const methods = strings(upload.allowed_file_upload_methods);
  const remoteUrl = methods.length === 0 || methods.includes("remote_url");
  const localFile = methods.length === 0 || methods.includes("local_file");
  if (types.length === 0 || types.includes("image")) {
    if (!remoteUrl && !localFile) return undefined;
    return { type: "image", remoteUrl };
  }
  if (!types.includes("custom") || !localFile) return undefined;
  // A custom file is checked by its extension alone; a WeChat picture URL has none, so it must be uploaded.
  const extension = IMAGE_EXTENSIONS.find((ext) => strings(upload.allowed_file_extensions).includes(ext));
  return extension === undefined ? undefined : { type: "custom", remoteUrl: false, extension };
}
