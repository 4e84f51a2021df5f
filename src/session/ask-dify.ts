/**
 * Turns one `ask` job into one Dify answer: picks the app kind, carries the follower's conversation, attaches
 * images, transcribes voice, and recovers once each from a vanished conversation, a busy Dify and a picture Dify
 * could not fetch.
 */
import type { Config, DifyAppKind } from "../config";
import {
  DifyError,
  appKindFromMode,
  fileUrlKey,
  type DifyAnswer,
  type DifyAppParameters,
  type DifyClient,
  type DifyFileRef,
} from "../dify";
import type { WechatApiClient } from "../wechat/api-client";
import { log } from "../log";
import { watchDify } from "../owner/dify-watch";
import { markdownImageUrls } from "../text/markdown";
import { isRemoteImageFailure, uploadedImages, withImages } from "./question-images";
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
  /** `delta`: what the event appended, when that is all it did (see DifyStreamHooks). */
  onText?(textSoFar: string, delta?: string): void;
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

/** A short pause before asking a busy Dify once more. */
export const BUSY_RETRY_DELAY_MS = 1500;

/**
 * Asks Dify for this job. Recovers, each at most once and only while no answer text has streamed (so nothing can
 * have reached the follower): a conversation Dify no longer knows (start a new one), a busy Dify (ask again after
 * BUSY_RETRY_DELAY_MS), and a picture Dify could not fetch by URL (upload it and ask again). Rejects with DifyError or
 * VoiceNotUnderstoodError.
 */
export async function askDify(work: AskWork, deps: AskDeps): Promise<DifyAnswer> {
  // How it ended goes to the account's alerts (a refused key, Dify failing again and again); never awaited there.
  return watchDify(deps.config, () => askOnce(work, deps));
}

async function askOnce(work: AskWork, deps: AskDeps): Promise<DifyAnswer> {
  const kind = await resolveAppKind(deps.config, deps.dify);
  const query = await transcribe(work, deps);
  const parameters = work.files && work.files.length > 0 ? await appParameters(deps.config, deps.dify) : undefined;
  const question = await withImages(work.files, query, parameters, deps);
  const epoch = deps.conversation.epoch();
  const inputs = { ...deps.config.dify.inputs, wechat_message_type: work.messageType };
  let streamed = false;
  const hooks = {
    signal: deps.signal,
    onText: (text: string, delta?: string) => {
      // Once something was said, nothing more needs looking at (reading `text` on every event copies all of it).
      if (!streamed && (delta ?? text).trim() !== "") streamed = true;
      deps.onText?.(text, delta);
    },
  };
  const ask = async (conversationId: string | undefined, attached: DifyFileRef[] | undefined): Promise<DifyAnswer> => {
    const answer = await deps.dify.ask(
      { kind, user: deps.openid, query: question.query, inputs, files: attached, conversationId },
      hooks,
    );
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
  let files = question.files;
  let waitedForBusy = false;
  let uploaded = false;
  for (;;) {
    try {
      return await withConversation(files);
    } catch (error) {
      if (streamed) throw error;
      if (error instanceof DifyError && error.busy && !waitedForBusy) {
        waitedForBusy = true;
        log.warn("dify_busy_retry", { message: error.message });
        await pause(BUSY_RETRY_DELAY_MS, deps.signal);
        continue;
      }
      if (!uploaded && isRemoteImageFailure(error, files)) {
        uploaded = true;
        log.warn("dify_remote_image_refused", { message: error instanceof Error ? error.message : String(error) });
        files = await uploadedImages(work.files ?? [], parameters?.imageInput, deps);
        continue;
      }
      throw error;
    }
  }
}

/** Waits `ms`, or less when `signal` aborts (the call that follows then fails with the caller's abort). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** The identities of the images written into an answer's Markdown (relative URLs resolved against the Dify server). */
function markdownImageKeys(answer: DifyAnswer, config: Config): Map<string, string> {
  const keys = new Map<string, string>();
  for (const url of markdownImageUrls(answer.text)) {
    try {
      const absolute = new URL(url, config.dify.apiBase).toString();
      if (!keys.has(fileUrlKey(absolute))) keys.set(fileUrlKey(absolute), absolute);
    } catch {
      // Not a URL at all: the text keeps it as written.
    }
  }
  return keys;
}

/**
 * The links of the files an answer carries that its text does not already show: where images cannot be pushed as
 * images they go after the text, and one the Markdown already shows (under another signature) would come twice.
 */
export function answerFileLinks(answer: DifyAnswer, config: Config): string[] {
  const shown = markdownImageKeys(answer, config);
  return answer.files.filter((file) => !shown.has(file.key)).map((file) => file.url);
}

/**
 * The images an answer carries, as absolute URLs in order, each image once: files the app produced (message_file,
 * workflow outputs) and images written into the Markdown (relative ones resolved against the Dify server). One image
 * comes as several differently signed URLs (Markdown, workflow files, message_end files), so images are told apart
 * by identity (fileUrlKey), not by URL.
 */
export function answerImages(answer: DifyAnswer, config: Config): string[] {
  const byKey = new Map<string, string>();
  for (const file of answer.files) if (file.type === "image" && !byKey.has(file.key)) byKey.set(file.key, file.url);
  for (const [key, url] of markdownImageKeys(answer, config)) if (!byKey.has(key)) byKey.set(key, url);
  return [...byKey.values()].filter((url) => /^https?:/.test(url));
}
