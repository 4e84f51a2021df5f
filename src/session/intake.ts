/**
 * Decides what a WeChat message asks of us: a question for Dify, an instant reply (the owner's keyword replies among
 * them), a handoff to human staff, a command, or nothing. Pure: no storage, no network. The result is stored as the job's `work` (JSON) and survives restarts.
 */
import type { InboundMessage } from "../wechat/message";
import type { Texts } from "../texts";
import { TRANSFER_REPLY } from "../wechat/reply";
import { NO_OWNER_RULES, isBotCommand, isHandoffKeyword, keywordReply, menuKeyReply, type OwnerRules } from "../owner-rules";

/** A file handed to Dify with the question (images sent by the follower). */
export interface WorkFile {
  type: "image";
  url: string;
  /** WeChat media id, for the upload fallback when Dify cannot fetch the URL. */
  mediaId?: string;
}

/** What one message asks of us. */
export type Work =
  | {
      do: "ask";
      /** The question as Dify's query. */
      query: string;
      /** The WeChat message kind, passed to the app as the `wechat_message_type` input. */
      messageType: string;
      files?: WorkFile[];
      /** A voice message without WeChat's recognition: to be transcribed before asking. */
      voice?: { mediaId: string; format: string };
    }
  /** An instant reply; {@link TRANSFER_REPLY} hands the message to the account's customer-service staff. */
  | { do: "reply"; text: string }
  /** A handoff keyword: the staff get this message and the follower's next ones for HANDOFF_MINUTES. */
  | { do: "handoff" }
  /** `/bot`: the follower is back with the bot. */
  | { do: "bot" }
  | { do: "clear" }
  | { do: "continue" }
  | { do: "forget" };

/** Commands that clear the conversation, as typed text or as a menu key. */
export const CLEAR_COMMANDS: readonly string[] = ["/clear", "/reset", "/new"];
/** The menu key (CLICK event) that clears the conversation. */
export const CLEAR_MENU_KEY = "CLEAR_CONTEXT";
/** What the follower sends to collect a late answer or its next part. */
export const CONTINUE_TEXT = "1";

/** What the owner's settings add to the decision: the account's rules, and whether the staff have the follower now. */
export interface OwnerIntake {
  rules: OwnerRules;
  handedOff: boolean;
}

const NO_OWNER: OwnerIntake = { rules: NO_OWNER_RULES, handedOff: false };

function ask(query: string, messageType: string, extra: Partial<Extract<Work, { do: "ask" }>> = {}): Work {
  return { do: "ask", query, messageType, ...extra };
}

/**
 * Maps a message to its work. `hasPendingAnswer` says whether the follower has something waiting for a "1"
 * (without it, "1" is an ordinary question); it is asked only for a "1", since answering it reads storage. `owner`
 * brings the account's keyword replies and handoff keywords, and whether the follower is with the staff.
 */
export function workFor(message: InboundMessage, texts: Texts, hasPendingAnswer: () => boolean, owner: OwnerIntake = NO_OWNER): Work {
  const work = ownWork(message, texts, hasPendingAnswer, owner.rules);
  return owner.handedOff ? duringHandoff(work) : work;
}

/**
 * While the staff have the follower, everything the follower sends goes to them: only `/bot`, a handoff keyword
 * (which starts the period again), an unsubscribe and silent acknowledgements keep their own work.
 */
function duringHandoff(work: Work): Work {
  if (work.do === "bot" || work.do === "handoff" || work.do === "forget") return work;
  if (work.do === "reply" && work.text === "") return work;
  return { do: "reply", text: TRANSFER_REPLY };
}

function ownWork(message: InboundMessage, texts: Texts, hasPendingAnswer: () => boolean, rules: OwnerRules): Work {
  switch (message.type) {
    case "text": {
      const content = message.content.trim();
      if (CLEAR_COMMANDS.includes(content.toLowerCase())) return { do: "clear" };
      if (content === CONTINUE_TEXT && hasPendingAnswer()) return { do: "continue" };
      if (content === "") return { do: "reply", text: "" };
      if (isHandoffKeyword(rules.handoff, content)) return { do: "handoff" };
      if (isBotCommand(rules.handoff, content)) return { do: "bot" };
      const fixed = keywordReply(rules.keywordReplies, content);
      if (fixed !== undefined) return { do: "reply", text: fixed };
      return ask(message.content, "text");
    }
    case "image":
      return ask(imageQuery(texts), "image", { files: [{ type: "image", url: message.picUrl, mediaId: message.mediaId }] });
    case "voice": {
      const recognition = message.recognition?.trim() ?? "";
      if (recognition !== "") return ask(recognition, "voice");
      return ask("", "voice", { voice: { mediaId: message.mediaId, format: message.format } });
    }
    case "link":
      return ask(linkQuery(texts, message.title, message.description, message.url), "link");
    case "location":
      return ask(locationQuery(texts, message.label, message.latitude, message.longitude), "location");
    case "event":
      return eventWork(message.event, message.eventKey, texts, rules);
    default:
      return { do: "reply", text: texts.unsupported };
  }
}

function eventWork(event: string, eventKey: string, texts: Texts, rules: OwnerRules): Work {
  switch (event) {
    case "subscribe":
      return texts.welcome !== "" ? { do: "reply", text: texts.welcome } : ask(subscribeQuery(texts), "subscribe");
    case "unsubscribe":
      return { do: "forget" };
    case "click":
      if (eventKey === CLEAR_MENU_KEY) return { do: "clear" };
      if (eventKey.trim() === "") return { do: "reply", text: "" };
      return menuReply(rules, eventKey) ?? ask(eventKey, "click");
    default:
      // VIEW, LOCATION, SCAN, template/mass-send reports...: acknowledged, nothing to say.
      return { do: "reply", text: "" };
  }
}

function menuReply(rules: OwnerRules, key: string): Work | undefined {
  const fixed = menuKeyReply(rules.keywordReplies, key);
  return fixed === undefined ? undefined : { do: "reply", text: fixed };
}

function imageQuery(texts: Texts): string {
  return texts.imageQuery;
}

function subscribeQuery(texts: Texts): string {
  return texts.subscribeQuery;
}

function linkQuery(texts: Texts, title: string, description: string, url: string): string {
  const lines = [title, description, url].map((s) => s.trim()).filter((s) => s !== "");
  return [texts.linkQuery, ...lines].join("\n");
}

function locationQuery(texts: Texts, label: string, latitude: number, longitude: number): string {
  const where = label.trim() !== "" ? `${label.trim()} ` : "";
  return `${texts.locationQuery}${where}(${latitude}, ${longitude})`;
}
