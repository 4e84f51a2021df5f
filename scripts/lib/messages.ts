/**
 * What a follower can send, as the simulator builds it: the message kinds and events WeChat delivers to the
 * callback, turned into the XML WeChat would POST.
 */
import { buildFlatXml, type XmlField } from "./flat-xml";

/** One thing the follower does: a message of some kind or an event. */
export type FollowerAction =
  | { kind: "text"; content: string }
  | { kind: "event"; event: string; key?: string }
  | { kind: "image"; picUrl: string }
  | { kind: "voice"; recognition?: string }
  | { kind: "location"; latitude: number; longitude: number; label: string }
  | { kind: "link"; title: string; description: string; url: string };

/** Who sends to whom, and when: the fields WeChat puts on every callback. */
export interface Envelope {
  /** The follower's openid (FromUserName). */
  openid: string;
  /** The Official Account's gh_ id (ToUserName). */
  account: string;
  /** Seconds since the epoch. */
  createTime: number;
  /** WeChat's 64-bit message id, as digits; events carry none. */
  msgId: string;
}

let sequence = 0;

/** A fresh 19-digit MsgId, unique within this process even for messages built in the same millisecond. */
export function freshMsgId(now = Date.now()): string {
  sequence = (sequence + 1) % 100_000;
  return `7${String(now).padStart(13, "0")}${String(sequence).padStart(5, "0")}`;
}

/** The callback XML WeChat would POST for `action`. */
export function actionXml(action: FollowerAction, envelope: Envelope): string {
  const head: XmlField[] = [
    ["ToUserName", envelope.account],
    ["FromUserName", envelope.openid],
    ["CreateTime", envelope.createTime],
  ];
  const mediaId = (prefix: string) => `${prefix}-sim-${envelope.msgId}`;
  switch (action.kind) {
    case "text":
      return buildFlatXml([...head, ["MsgType", "text"], ["Content", action.content], ["MsgId", envelope.msgId]]);
    case "event": {
      const fields: XmlField[] = [...head, ["MsgType", "event"], ["Event", action.event]];
      if (action.key !== undefined) fields.push(["EventKey", action.key]);
      return buildFlatXml(fields);
    }
    case "image":
      // The `image-` prefix is what the WeChat API stand-in serves a PNG for, should the worker fetch the media.
      return buildFlatXml([...head, ["MsgType", "image"], ["PicUrl", action.picUrl], ["MediaId", mediaId("image")], ["MsgId", envelope.msgId]]);
    case "voice": {
      // `voice-` ids get an AMR file from the stand-in, so the transcription path works without Recognition.
      const fields: XmlField[] = [...head, ["MsgType", "voice"], ["MediaId", mediaId("voice")], ["Format", "amr"]];
      if (action.recognition !== undefined) fields.push(["Recognition", action.recognition]);
      fields.push(["MsgId", envelope.msgId]);
      return buildFlatXml(fields);
    }
    case "location":
      return buildFlatXml([
        ...head,
        ["MsgType", "location"],
        ["Location_X", action.latitude],
        ["Location_Y", action.longitude],
        ["Scale", 15],
        ["Label", action.label],
        ["MsgId", envelope.msgId],
      ]);
    case "link":
      return buildFlatXml([
        ...head,
        ["MsgType", "link"],
        ["Title", action.title],
        ["Description", action.description],
        ["Url", action.url],
        ["MsgId", envelope.msgId],
      ]);
  }
}

/** How the action reads in a transcript line. */
export function describeAction(action: FollowerAction): string {
  switch (action.kind) {
    case "text": return action.content;
    case "event": return `(event ${action.event}${action.key === undefined ? "" : ` key=${action.key}`})`;
    case "image": return `(image ${action.picUrl})`;
    case "voice": return action.recognition === undefined ? "(voice, no recognition)" : `(voice) ${action.recognition}`;
    case "location": return `(location ${action.label} ${action.latitude},${action.longitude})`;
    case "link": return `(link ${action.title} ${action.url})`;
  }
}
