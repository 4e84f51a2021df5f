/**
 * Typed view of an inbound callback's fields. The objects are plain data (no classes, no undefined-valued keys) so
 * they pass Durable Object RPC and structured clone unchanged.
 */
import { WechatProtocolError } from "./errors.js";

/** Fields every inbound message and event carries. */
export interface MessageBase {
  /** The Official Account's own id (gh_...). */
  toUser: string;
  /** The follower's openid. */
  fromUser: string;
  /** Seconds since the epoch, as WeChat stamped it. */
  createTime: number;
  /** WeChat's 64-bit message id, kept as a string (it exceeds Number's safe range). Absent on events. */
  msgId?: string;
}

/** Plain, structured-clone-safe objects (they cross Durable Object RPC). */
export type InboundMessage =
  | (MessageBase & { type: "text"; content: string })
  | (MessageBase & { type: "image"; picUrl: string; mediaId: string })
  | (MessageBase & { type: "voice"; mediaId: string; format: string; recognition?: string })
  | (MessageBase & { type: "video" | "shortvideo"; mediaId: string; thumbMediaId: string })
  | (MessageBase & { type: "location"; latitude: number; longitude: number; scale: number; label: string })
  | (MessageBase & { type: "link"; title: string; description: string; url: string })
  | (MessageBase & {
      type: "event";
      /** Lower-cased: subscribe, unsubscribe, scan, location, click, view, ... */
      event: string;
      eventKey: string;
    })
  | (MessageBase & { type: "unknown"; msgType: string });

/**
 * Maps parsed fields to a typed message; unknown MsgType -> "unknown" (never throws for that). Throws
 * WechatProtocolError("missing-field") when ToUserName/FromUserName/CreateTime/MsgType are missing or CreateTime is
 * not a number; WechatProtocolError("bad-field") when a location's coordinates or scale are not numbers.
 */
export function toInboundMessage(fields: Record<string, string>): InboundMessage {
  const toUser = fields["ToUserName"];
  const fromUser = fields["FromUserName"];
  const createTimeText = fields["CreateTime"];
  const msgType = fields["MsgType"];
  if (!toUser || !fromUser || !msgType || !createTimeText || !/^\d{1,15}$/.test(createTimeText.trim())) {
    throw new WechatProtocolError("missing-field");
  }
  const base: MessageBase = { toUser, fromUser, createTime: Number(createTimeText.trim()) };
  const msgId = fields["MsgId"];
  if (msgId) base.msgId = msgId;
  const text = (name: string): string => fields[name] ?? "";

  switch (msgType.toLowerCase()) {
    case "text":
      return { ...base, type: "text", content: text("Content") };
    case "image":
      return { ...base, type: "image", picUrl: text("PicUrl"), mediaId: text("MediaId") };
    case "voice": {
      const recognition = fields["Recognition"];
      return {
        ...base,
        type: "voice",
        mediaId: text("MediaId"),
        format: text("Format"),
        ...(recognition === undefined ? {} : { recognition }),
      };
    }
    case "video":
    case "shortvideo":
      return {
        ...base,
        type: msgType.toLowerCase() === "video" ? "video" : "shortvideo",
        mediaId: text("MediaId"),
        thumbMediaId: text("ThumbMediaId"),
      };
    case "location":
      return {
        ...base,
        type: "location",
        latitude: numberField(fields, "Location_X"),
        longitude: numberField(fields, "Location_Y"),
        scale: numberField(fields, "Scale"),
        label: text("Label"),
      };
    case "link":
      return { ...base, type: "link", title: text("Title"), description: text("Description"), url: text("Url") };
    case "event":
      // WeChat mixes case (SCAN, CLICK, subscribe); one spelling keeps comparisons simple downstream.
      return { ...base, type: "event", event: text("Event").toLowerCase(), eventKey: text("EventKey") };
    default:
      return { ...base, type: "unknown", msgType };
  }
}

/**
 * Dedupe key per wechat-protocol.md: messages FromUserName+CreateTime+MsgId; events
 * FromUserName+CreateTime+Event+EventKey. (MsgId alone has collided in practice.) A message without MsgId falls back
 * to its type, so two different kinds sent in the same second stay apart.
 */
export function dedupeKey(m: InboundMessage): string {
  if (m.type === "event") return ["event", m.fromUser, m.createTime, m.event, m.eventKey].join("|");
  const kind = m.type === "unknown" ? m.msgType : m.type;
  return ["msg", m.fromUser, m.createTime, m.msgId ?? `no-msgid:${kind}`].join("|");
}

function numberField(fields: Record<string, string>, name: string): number {
  const raw = fields[name]?.trim() ?? "";
  const value = Number(raw);
  if (raw === "" || !Number.isFinite(value)) throw new WechatProtocolError("bad-field");
  return value;
}
