/**
 * Turns one `ask` job into one Dify answer: picks the app kind, carries the follower's conversation, attaches
 * images, transcribes voice, and recovers once from a conversation Dify no longer knows.
 */
import type { Config, DifyAppKind } from "../config";
import {
  DifyError,
  appKindFromMode,
  type DifyAnswer,
  type DifyAppParameters,
  type DifyClient,
  type DifyFileRef,
} from "../dify";
import type { WechatApiClient } from "../wechat/api-client";
import { log } from "../log";
import { markdownImageUrls } from "../text/markdown";
import { downloadImage, imageExtension } from "./image-download";
import type { Work } from "./intake";

/** An `ask` work item. */
export type AskWork = Extract<Work, { do: "ask" }>;

/** Where the follower's Dify conversation id lives (the Durable Object's storage). */
export interface ConversationSlot {
  get(): string | undefined;
  /** Stores the id Dify returned, unless the follower cleared the conversation since `sinceEpoch`. */
  set(id: string | undefined, sinceEpoch: number): void;
  epoch(): number;
}

/** What askDify needs from its surroundings. */
export interface AskDeps {
  config: Config;
  dify: DifyClient;
  /** WeChat's API, when the account has an app secret: voice download for transcription. */
  wechatApi?: WechatApiClient;
  conversation: ConversationSlot;
  openid: string;
  onText?(textSoFar: string): void;
  signal?: AbortSignal;
}

/** Thrown when a voice message could not be turned into text: the follower is asked to type instead. */
export class VoiceNotUnderstoodError extends Error {
  override readonly name = "VoiceNotUnderstoodError";
}

/** How long what Dify says about the app (/info, /parameters) is trusted before it is asked again. */
const APP_FACTS_TTL_MS = 10 * 60_000;

/** Which Dify app a fact is about (one deployment talks to one app, but an isolate may serve several). */
const appOf = (config: Config): string => `${config.dify.apiBase}\n${config.dify.apiKey}`;

/**
 * A fact about the configured Dify app, asked once per isolate and app and kept for APP_FACTS_TTL_MS. A failed ask
 * is logged and gives `fallback`, which is kept only when `keepFallback` (a Dify that lacks the endpoint should not
 * be asked per message; a passing failure should not switch a feature off for ten minutes).
 */
function appFact<T>(
  name: string,
  ask: (dify: DifyClient) => Promise<T>,
  fallback: T,
  keepFallback: boolean,
): (config: Config, dify: DifyClient) => Promise<T> {
  let cached: { app: string; value: T; at: number } | undefined;
  return async (config: Config, dify: DifyClient): Promise<T> => {
    const now = Date.now();
    if (cached && cached.app === appOf(config) && now - cached.at < APP_FACTS_TTL_MS) return cached.value;
    try {
      const value = await ask(dify);
      cached = { app: appOf(config), value, at: now };
      return value;
    } catch (error) {
      log.warn(`dify_${name}_failed`, { message: error instanceof Error ? error.message : String(error) });
      if (keepFallback) cached = { app: appOf(config), value: fallback, at: now };
      return fallback;
    }
  };
}

const infoKind = appFact<DifyAppKind>("info", async (dify) => appKindFromMode((await dify.info()).mode) ?? "chat", "chat", true);

/** The app kind: configured, else Dify's GET /info (cached per isolate), else chat. */
export async function resolveAppKind(config: Config, dify: DifyClient): Promise<DifyAppKind> {
  return config.dify.appKind ?? infoKind(config, dify);
}

/** What the app accepts (image input, speech to text), from GET /parameters, cached per isolate; undefined if unknown. */
export const appParameters = appFact<DifyAppParameters | undefined>("parameters", (dify) => dify.parameters(), undefined, false);

async function transcribe(work: AskWork, deps: AskDeps): Promise<string> {
  const voice = work.voice;
  if (!voice) return work.query;
  if (!deps.wechatApi) throw new VoiceNotUnderstoodError("no WECHAT_APP_SECRET to download the voice");
  const parameters = await appParameters(deps.config, deps.dify);
  if (!parameters?.speechToTextEnabled) throw new VoiceNotUnderstoodError("the Dify app has no speech to text");
  const media = await deps.wechatApi.getMedia(voice.mediaId);
  const format = voice.format.toLowerCase() || "amr";
  const text = await deps.dify.audioToText(deps.openid, media.bytes, `voice.${format}`, media.contentType || `audio/${format}`);
  if (text.trim() === "") throw new VoiceNotUnderstoodError("speech to text returned nothing");
  return text;
}

/** The question as the app can take it: images as files when it accepts them, else their URLs in the text. */
async function withImages(work: AskWork, query: string, deps: AskDeps): Promise<{ query: string; files?: DifyFileRef[] }> {
  if (!work.files || work.files.length === 0) return { query };
  const parameters = await appParameters(deps.config, deps.dify);
  if (!parameters?.imageUploadEnabled) {
    return { query: [query, ...work.files.map((f) => f.url)].join("\n") };
  }
  return { query, files: work.files.map((f) => ({ type: f.type, transfer_method: "remote_url", url: f.url })) };
}

/** Fetches an image the follower sent: through WeChat's media API when we can, else from its URL. */
async function imageBytes(file: NonNullable<AskWork["files"]>[number], deps: AskDeps): Promise<{ bytes: Uint8Array; contentType: string }> {
  if (deps.wechatApi && file.mediaId) return deps.wechatApi.getMedia(file.mediaId);
  return downloadImage(file.url, "image/jpeg");
}

/** Dify could not fetch the image URL itself: upload the images and refer to them by id instead. */
async function uploadedImages(work: AskWork, deps: AskDeps): Promise<DifyFileRef[]> {
  const refs: DifyFileRef[] = [];
  for (const [i, file] of (work.files ?? []).entries()) {
    const { bytes, contentType } = await imageBytes(file, deps);
    const id = await deps.dify.uploadFile(deps.openid, bytes, `wechat-image-${i}.${imageExtension(contentType)}`, contentType);
    refs.push({ type: "image", transfer_method: "local_file", upload_file_id: id });
  }
  return refs;
}

function isRemoteFileRefusal(error: unknown, files: DifyFileRef[] | undefined): boolean {
  return error instanceof DifyError && error.kind === "http" && error.status === 400 && (files?.length ?? 0) > 0;
}

/**
 * Asks Dify once for this job (twice when the stored conversation has vanished on Dify's side, unseen by the
 * follower). Rejects with DifyError or VoiceNotUnderstoodError.
 */
export async function askDify(work: AskWork, deps: AskDeps): Promise<DifyAnswer> {
  const kind = await resolveAppKind(deps.config, deps.dify);
  const { query, files } = await withImages(work, await transcribe(work, deps), deps);
  const epoch = deps.conversation.epoch();
  const inputs = { ...deps.config.dify.inputs, wechat_message_type: work.messageType };
  const hooks = { onText: deps.onText, signal: deps.signal };
  const ask = async (conversationId: string | undefined, attached: DifyFileRef[] | undefined): Promise<DifyAnswer> => {
    const answer = await deps.dify.ask({ kind, user: deps.openid, query, inputs, files: attached, conversationId }, hooks);
    if (kind === "chat") deps.conversation.set(answer.conversationId, epoch);
    return answer;
  };
  const withConversation = async (attached: DifyFileRef[] | undefined): Promise<DifyAnswer> => {
    const conversationId = kind === "chat" ? deps.conversation.get() : undefined;
    try {
      return await ask(conversationId, attached);
    } catch (error) {
      if (!(error instanceof DifyError) || !error.conversationMissing || conversationId === undefined) throw error;
      log.info("dify_conversation_reset", { reason: "Conversation Not Exists" });
      deps.conversation.set(undefined, epoch);
      return ask(undefined, attached);
    }
  };
  try {
    return await withConversation(files);
  } catch (error) {
    if (!isRemoteFileRefusal(error, files)) throw error;
    log.warn("dify_remote_image_refused", { message: error instanceof Error ? error.message : String(error) });
    return withConversation(await uploadedImages(work, deps));
  }
}

/**
 * The images an answer carries, as absolute URLs in order, without repeats: files the app produced (message_file,
 * workflow outputs) and images written into the Markdown (relative ones resolved against the Dify server).
 */
export function answerImages(answer: DifyAnswer, config: Config): string[] {
  const urls = new Set<string>();
  for (const file of answer.files) if (file.type === "image") urls.add(file.url);
  for (const url of markdownImageUrls(answer.text)) {
    try {
      urls.add(new URL(url, config.dify.apiBase).toString());
    } catch {
      // Not a URL at all: the text keeps it as written.
    }
  }
  return [...urls].filter((url) => /^https?:/.test(url));
}
