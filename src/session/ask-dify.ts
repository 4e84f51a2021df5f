/**
 * Turns one `ask` job into one Dify answer: picks the app kind, carries the follower's conversation, attaches
 * images, transcribes voice, and recovers once from a conversation Dify no longer knows.
 */
import type { Config, DifyAppKind } from "../config";
import { DifyError, appKindFromMode, type DifyAnswer, type DifyClient, type DifyFileRef } from "../dify";
import type { WechatApiClient } from "../wechat/api-client";
import { log } from "../log";
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

const KIND_CACHE_MS = 10 * 60_000;
let kindCache: { base: string; kind: DifyAppKind; at: number } | undefined;

/** The app kind: configured, else Dify's GET /info (cached per isolate), else chat. */
export async function resolveAppKind(config: Config, dify: DifyClient): Promise<DifyAppKind> {
  if (config.dify.appKind) return config.dify.appKind;
  const now = Date.now();
  if (kindCache && kindCache.base === config.dify.apiBase && now - kindCache.at < KIND_CACHE_MS) return kindCache.kind;
  let kind: DifyAppKind = "chat";
  try {
    kind = appKindFromMode((await dify.info()).mode) ?? "chat";
  } catch (error) {
    log.warn("dify_info_failed", { message: error instanceof Error ? error.message : String(error) });
  }
  kindCache = { base: config.dify.apiBase, kind, at: now };
  return kind;
}

/** Forgets the cached app kind (tests, or after a configuration change). */
export function forgetAppKind(): void {
  kindCache = undefined;
}

async function transcribe(work: AskWork, deps: AskDeps): Promise<string> {
  const voice = work.voice;
  if (!voice) return work.query;
  if (!deps.wechatApi) throw new VoiceNotUnderstoodError("no WECHAT_APP_SECRET to download the voice");
  const parameters = await deps.dify.parameters();
  if (!parameters.speechToTextEnabled) throw new VoiceNotUnderstoodError("the Dify app has no speech to text");
  const media = await deps.wechatApi.getMedia(voice.mediaId);
  const format = voice.format.toLowerCase() || "amr";
  const text = await deps.dify.audioToText(deps.openid, media.bytes, `voice.${format}`, media.contentType || `audio/${format}`);
  if (text.trim() === "") throw new VoiceNotUnderstoodError("speech to text returned nothing");
  return text;
}

function filesFor(work: AskWork): DifyFileRef[] | undefined {
  if (!work.files || work.files.length === 0) return undefined;
  return work.files.map((f) => ({ type: f.type, transfer_method: "remote_url", url: f.url }));
}

/**
 * Asks Dify once for this job (twice when the stored conversation has vanished on Dify's side, unseen by the
 * follower). Rejects with DifyError or VoiceNotUnderstoodError.
 */
export async function askDify(work: AskWork, deps: AskDeps): Promise<DifyAnswer> {
  const kind = await resolveAppKind(deps.config, deps.dify);
  const query = await transcribe(work, deps);
  const epoch = deps.conversation.epoch();
  const inputs = { ...deps.config.dify.inputs, wechat_message_type: work.messageType };
  const files = filesFor(work);
  const hooks = { onText: deps.onText, signal: deps.signal };
  const conversationId = kind === "chat" ? deps.conversation.get() : undefined;
  try {
    const answer = await deps.dify.ask({ kind, user: deps.openid, query, inputs, files, conversationId }, hooks);
    if (kind === "chat") deps.conversation.set(answer.conversationId, epoch);
    return answer;
  } catch (error) {
    if (!(error instanceof DifyError) || !error.conversationMissing || conversationId === undefined) throw error;
    log.info("dify_conversation_reset", { reason: "Conversation Not Exists" });
    deps.conversation.set(undefined, epoch);
    const answer = await deps.dify.ask({ kind, user: deps.openid, query, inputs, files }, hooks);
    deps.conversation.set(answer.conversationId, epoch);
    return answer;
  }
}
