/**
 * Runs a recorded Dify stream through the whole worker: a WeChat callback goes in, the stand-in replays the stream
 * as the answer, and the test reads what the follower got. Also builds the DifyClient the worker would use, for
 * checks of the answer the client folds out of the same bytes.
 */
import { expect } from "vitest";
import { inject } from "vitest";
import { DifyClient } from "../../src/dify/client.js";
import type { DifyAppKind } from "../../src/dify/types.js";
import { markdownToWechatText } from "../../src/text/markdown.js";
import { difyAsks, newOpenid } from "./dify-calls.js";
import { replayDirective } from "./dify-streams.js";
import { messageXml, textMessageXml, type ReadReply } from "./wechat-fixtures.js";
import { postOnce } from "./wechat-retries.js";

/** What one replayed question gave the follower. */
export interface ReplayedQuestion {
  openid: string;
  reply: ReadReply;
}

/** Asks a question whose answer is recorded stream `name`, as a text message; resolves with the passive reply. */
export async function askWithReplay(name: string, question = "问题"): Promise<ReplayedQuestion> {
  const openid = newOpenid(`replay-${name.slice(0, 12)}`);
  const reply = await postOnce(textMessageXml({ openid, content: `${replayDirective(name)} ${question}` }), "safe");
  return { openid, reply };
}

/**
 * Sends an image message whose answer is recorded stream `name`. The image message's query is fixed text, so the
 * directive rides in the picture URL (the stand-in reads directives from `files[].url` too).
 */
export async function sendImageWithReplay(name: string): Promise<ReplayedQuestion & { picUrl: string }> {
  const openid = newOpenid(`replay-img`);
  const picUrl = `https://mmbiz.example/pic.jpg?${replayDirective(name)}`;
  const xml = messageXml({
    ToUserName: "gh_test_account",
    FromUserName: openid,
    CreateTime: Math.floor(Date.now() / 1000),
    MsgType: "image",
    PicUrl: picUrl,
    MediaId: `media-${openid}`,
    MsgId: `9${Date.now()}${Math.floor(Math.random() * 1000)}`,
  });
  return { openid, reply: await postOnce(xml, "safe"), picUrl };
}

/** Asks a plain follow-up and returns the conversation_id the worker sent with it. */
export async function followUpConversation(openid: string): Promise<unknown> {
  await postOnce(textMessageXml({ openid, content: "[answer=好的] 谢谢" }), "safe");
  const asks = await difyAsks(openid);
  return asks.at(-1)?.body.conversation_id;
}

/** An answer as WeChat shows it: the worker's own Markdown shaping, trimmed. */
export function asFollowerSees(answer: string): string {
  return markdownToWechatText(answer).trim();
}

/** A DifyClient on the stand-in, as the worker builds one (API key of the test project). */
export function replayClient(apiKey = "app-test-key"): DifyClient {
  return new DifyClient({ apiBase: inject("difyUrl"), apiKey });
}

/** Asks the stand-in directly through DifyClient for a replay of `name`; records every text the hook saw. */
export async function clientReplay(name: string, kind: DifyAppKind, apiKey = "app-test-key") {
  const seen: string[] = [];
  const user = newOpenid("replay-client");
  const run = replayClient(apiKey).ask({ kind, user, query: replayDirective(name) }, { onText: (t) => seen.push(t) });
  return { run, seen, user };
}

/** A file URL from a recorded stream as the client must resolve it (relative ones against the API base). */
export function resolvedFileUrl(url: string): string {
  return new URL(url, inject("difyUrl")).toString();
}

/**
 * Asks a question Dify answers with the recorded stream `name` and checks the follower got `answer` once, at the start
 * of the reply (file links may follow), and that the next question continues the stream's conversation.
 */
export async function expectAnsweredOnce(name: string, answer: string, conversationId: unknown): Promise<void> {
  const { openid, reply } = await askWithReplay(name);
  const text = asFollowerSees(answer);
  expect(reply.content?.startsWith(text)).toBe(true);
  expect(reply.content?.split(text)).toHaveLength(2);
  expect(await followUpConversation(openid)).toBe(conversationId);
}
