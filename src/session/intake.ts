/**
 * Decides what a WeChat message asks of us: a question for Dify, an instant reply, a command, or nothing.
 * Pure: no storage, no network. The result is stored as the job's `work` (JSON) and survives restarts.
 */
import type { InboundMessage } from "../wechat/message";
import type { Texts } from "../texts";

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
  | { do: "reply"; text: string }
  | { do: "clear" }
  | { do: "continue" }
  | { do: "forget" };

/** Commands that clear the conversation, as typed text or as a menu key. */
export const CLEAR_COMMANDS: readonly string[] = ["/clear", "/reset", "/new"];
/** The menu key (CLICK event) that clears the conversation. */
export const CLEAR_MENU_KEY = "CLEAR_CONTEXT";
/** What the follower sends to collect a late answer or its next part. */
export const CONTINUE_TEXT = "1";

function ask(query: string, messageType: string, extra: Partial<Extract<Work, { do: "ask" }>> = {}): Work {
  return { do: "ask", query, messageType, ...extra };
}

/**
 * Maps a message to its work. `hasPendingAnswer` says whether the follower has something waiting for a "1"
 * (without it, "1" is an ordinary question); it is asked only for a "1", since answering it reads storage.
 */
export function workFor(message: InboundMessage, texts: Texts, hasPendingAnswer: () => boolean): Work {
  switch (message.type) {
    case "text": {
      const content = message.content.trim();
      if (CLEAR_COMMANDS.includes(content.toLowerCase())) return { do: "clear" };
      if (content === CONTINUE_TEXT && hasPendingAnswer()) return { do: "continue" };
      if (content === "") return { do: "reply", text: "" };
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
      return eventWork(message.event, message.eventKey, texts);
    default:
      return { do: "reply", text: texts.unsupported };
  }
}

function eventWork(event: string, eventKey: string, texts: Texts): Work {
  switch (event) {
    case "subscribe":
      return texts.welcome !== "" ? { do: "reply", text: texts.welcome } : ask(subscribeQuery(texts), "subscribe");
    case "unsubscribe":
      return { do: "forget" };
    case "click":
      if (eventKey === CLEAR_MENU_KEY) return { do: "clear" };
      return eventKey.trim() === "" ? { do: "reply", text: "" } : ask(eventKey, "click");
    default:
      // VIEW, LOCATION, SCAN, template/mass-send reports...: acknowledged, nothing to say.
      return { do: "reply", text: "" };
  }
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
