/**
 * The follower's images on their way to Dify: as files when the app takes images (by URL, or uploaded first when
 * the app allows uploads only or could not fetch the URL), else as URLs in the question's text.
 */
import { DifyError, type DifyAppParameters, type DifyClient, type DifyFileRef, type DifyImageInput } from "../dify";
import type { WechatApiClient } from "../wechat/api-client";
import { downloadImage, imageExtension } from "./image-download";
import type { Work } from "./intake";

/** The images of an `ask` work item. */
export type QuestionImage = NonNullable<Extract<Work, { do: "ask" }>["files"]>[number];

/** What attaching images needs from its surroundings. */
export interface ImageDeps {
  dify: DifyClient;
  wechatApi?: WechatApiClient;
  openid: string;
}

/** The question as the app can take it: images as files when it accepts them, else their URLs in the text. */
export async function withImages(
  images: QuestionImage[] | undefined,
  query: string,
  parameters: DifyAppParameters | undefined,
  deps: ImageDeps,
): Promise<{ query: string; files?: DifyFileRef[] }> {
  if (!images || images.length === 0) return { query };
  const input = parameters?.imageInput;
  // Files Dify does not take are dropped silently or refused outright: the picture's link in the text still works.
  if (input === undefined) return { query: [query, ...images.map((f) => f.url)].join("\n") };
  if (input.type === "image" && input.remoteUrl) {
    return { query, files: images.map((f) => ({ type: "image", transfer_method: "remote_url", url: f.url })) };
  }
  return { query, files: await uploadedImages(images, input, deps) };
}

/** Fetches an image the follower sent: through WeChat's media API when we can, else from its URL. */
async function imageBytes(file: QuestionImage, deps: ImageDeps): Promise<{ bytes: Uint8Array; contentType: string }> {
  if (deps.wechatApi && file.mediaId) return deps.wechatApi.getMedia(file.mediaId);
  return downloadImage(file.url, "image/jpeg");
}

/** Uploads the images (POST /files/upload) and refers to them by id. */
export async function uploadedImages(images: QuestionImage[], input: DifyImageInput | undefined, deps: ImageDeps): Promise<DifyFileRef[]> {
  const refs: DifyFileRef[] = [];
  for (const [i, file] of images.entries()) {
    const { bytes, contentType } = await imageBytes(file, deps);
    const extension = input?.extension ?? `.${imageExtension(contentType)}`;
    const id = await deps.dify.uploadFile(deps.openid, bytes, `wechat-image-${i}${extension}`, contentType);
    refs.push({ type: input?.type ?? "image", transfer_method: "local_file", upload_file_id: id });
  }
  return refs;
}

/** Dify's words when a file it was given cannot be used (factories/file_factory.py, core/file/file_manager.py). */
const FILE_TROUBLE = /url|file|image|download|fetch|retries/i;

/**
 * True when Dify could not use a picture it was to fetch by URL, so uploading it may help. Dify only HEADs the URL
 * before streaming and ignores a failure there (factories/file_factory.py); it downloads after the stream started
 * (core/file/file_manager.py), so the failure is an in-stream `error`: 500 internal_server_error, or 400
 * invalid_param "Reached maximum retries (3) for URL …" (core/helper/ssrf_proxy.py). A host that drops packets holds
 * Dify's response headers past our connect deadline. A 400 before the stream that speaks of the file counts too (older
 * servers, or a transfer method the app does not allow). Busy answers never count: they are not about the image.
 */
export function isRemoteImageFailure(error: unknown, files: DifyFileRef[] | undefined): boolean {
  if (!(error instanceof DifyError) || error.busy) return false;
  if (!(files ?? []).some((f) => f.transfer_method === "remote_url")) return false;
  if (error.kind === "timeout") return error.deadline === "connect";
  if (error.kind === "stream" && error.status !== undefined && error.status >= 500) return true;
  // A chatflow's LLM node that cannot fetch the picture fails the run: workflow_finished `failed` names the cause.
  const aboutTheRequest = error.status === 400 || (error.kind === "stream" && error.code === "workflow_failed");
  return (error.kind === "http" || error.kind === "stream") && aboutTheRequest && FILE_TROUBLE.test(error.difyMessage ?? "");
}
