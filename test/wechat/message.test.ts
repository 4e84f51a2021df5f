import { describe, expect, it } from "vitest";
import { protocolReason as reasonOf } from "../support/expect-errors.js";
import { dedupeKey, toInboundMessage, type InboundMessage } from "../../src/wechat/message.js";
import { parseWechatXml } from "../../src/wechat/xml.js";

const COMMON = { ToUserName: "gh_123", FromUserName: "oUser1", CreateTime: "1700000000" };
const BASE = { toUser: "gh_123", fromUser: "oUser1", createTime: 1700000000 };


describe("toInboundMessage reads every message kind", () => {
  it("reads a text message with its 19-digit MsgId as a string", () => {
    const xml = `<xml><ToUserName><![CDATA[gh_123]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>
      <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content>
      <MsgId>4363689963896700987</MsgId></xml>`;
    expect(toInboundMessage(parseWechatXml(xml))).toEqual({ ...BASE, msgId: "4363689963896700987", type: "text", content: "你好" });
  });

  it("reads an image message", () => {
    const m = toInboundMessage({ ...COMMON, MsgType: "image", PicUrl: "http://p/1.jpg", MediaId: "m1", MsgId: "1" });
    expect(m).toEqual({ ...BASE, msgId: "1", type: "image", picUrl: "http://p/1.jpg", mediaId: "m1" });
  });

  it("reads a voice message with its recognition", () => {
    const m = toInboundMessage({ ...COMMON, MsgType: "voice", MediaId: "v1", Format: "amr", Recognition: "腾讯微信团队", MsgId: "2" });
    expect(m).toEqual({ ...BASE, msgId: "2", type: "voice", mediaId: "v1", format: "amr", recognition: "腾讯微信团队" });
  });

  it("reads a voice message without Recognition and leaves the key out entirely", () => {
    const m = toInboundMessage({ ...COMMON, MsgType: "voice", MediaId: "v1", Format: "speex", MsgId: "2" });
    expect(m).toEqual({ ...BASE, msgId: "2", type: "voice", mediaId: "v1", format: "speex" });
    expect("recognition" in m).toBe(false);
  });

  it("reads video and shortvideo messages", () => {
    for (const type of ["video", "shortvideo"] as const) {
      const m = toInboundMessage({ ...COMMON, MsgType: type, MediaId: "v", ThumbMediaId: "t", MsgId: "3" });
      expect(m).toEqual({ ...BASE, msgId: "3", type, mediaId: "v", thumbMediaId: "t" });
    }
  });

  it("reads a location message with numeric coordinates and scale", () => {
    const m = toInboundMessage({
      ...COMMON,
      MsgType: "location",
      Location_X: "23.134521",
      Location_Y: "113.358803",
      Scale: "20",
      Label: "位置信息",
      MsgId: "4",
    });
    expect(m).toEqual({ ...BASE, msgId: "4", type: "location", latitude: 23.134521, longitude: 113.358803, scale: 20, label: "位置信息" });
  });

  it("reads a link message", () => {
    const m = toInboundMessage({ ...COMMON, MsgType: "link", Title: "T", Description: "D", Url: "https://u", MsgId: "5" });
    expect(m).toEqual({ ...BASE, msgId: "5", type: "link", title: "T", description: "D", url: "https://u" });
  });

  it("reads a subscribe event from a QR code with its qrscene key", () => {
    const m = toInboundMessage({ ...COMMON, MsgType: "event", Event: "subscribe", EventKey: "qrscene_123", Ticket: "t" });
    expect(m).toEqual({ ...BASE, type: "event", event: "subscribe", eventKey: "qrscene_123" });
  });

  it("lower-cases mixed-case events and gives a missing EventKey as empty", () => {
    expect(toInboundMessage({ ...COMMON, MsgType: "event", Event: "SCAN", EventKey: "123" })).toMatchObject({ event: "scan", eventKey: "123" });
    expect(toInboundMessage({ ...COMMON, MsgType: "event", Event: "CLICK", EventKey: "MENU_A" })).toMatchObject({ event: "click", eventKey: "MENU_A" });
    expect(toInboundMessage({ ...COMMON, MsgType: "event", Event: "VIEW", EventKey: "https://x" })).toMatchObject({ event: "view" });
    expect(toInboundMessage({ ...COMMON, MsgType: "event", Event: "LOCATION", Latitude: "1" })).toMatchObject({ event: "location", eventKey: "" });
    expect(toInboundMessage({ ...COMMON, MsgType: "event", Event: "unsubscribe" })).toMatchObject({ event: "unsubscribe", eventKey: "" });
  });

  it("reads an unknown MsgType as 'unknown' keeping the original type", () => {
    const m = toInboundMessage({ ...COMMON, MsgType: "miniprogrampage", Title: "x", MsgId: "6" });
    expect(m).toEqual({ ...BASE, msgId: "6", type: "unknown", msgType: "miniprogrampage" });
  });

  it("reads a text message with empty content as empty text", () => {
    expect(toInboundMessage({ ...COMMON, MsgType: "text", MsgId: "7" })).toMatchObject({ type: "text", content: "" });
  });

  it("produces objects that survive structured clone unchanged (Durable Object RPC)", () => {
    const samples: InboundMessage[] = [
      toInboundMessage({ ...COMMON, MsgType: "text", Content: "hi", MsgId: "1" }),
      toInboundMessage({ ...COMMON, MsgType: "location", Location_X: "1", Location_Y: "2", Scale: "3", Label: "" }),
      toInboundMessage({ ...COMMON, MsgType: "event", Event: "CLICK" }),
    ];
    for (const m of samples) {
      expect(structuredClone(m)).toStrictEqual(m);
      expect(Object.values(m)).not.toContain(undefined);
    }
  });
});

describe("toInboundMessage refuses callbacks missing the common fields", () => {
  it.each(["ToUserName", "FromUserName", "CreateTime", "MsgType"])("throws missing-field without %s", (name) => {
    const fields: Record<string, string> = { ...COMMON, MsgType: "text", Content: "x" };
    delete fields[name];
    expect(reasonOf(() => toInboundMessage(fields))).toBe("missing-field");
    expect(reasonOf(() => toInboundMessage({ ...fields, [name]: "" }))).toBe("missing-field");
  });

  it("throws missing-field when CreateTime is not a whole number", () => {
    for (const createTime of ["abc", "1.5", "-1", "1e9", "17000000000000000000"]) {
      expect(reasonOf(() => toInboundMessage({ ...COMMON, CreateTime: createTime, MsgType: "text" })), createTime).toBe("missing-field");
    }
  });

  it("throws bad-field when a location's coordinates are not numbers", () => {
    const fields = { ...COMMON, MsgType: "location", Location_X: "north", Location_Y: "1", Scale: "1", Label: "" };
    expect(reasonOf(() => toInboundMessage(fields))).toBe("bad-field");
    expect(reasonOf(() => toInboundMessage({ ...fields, Location_X: "1", Scale: "" }))).toBe("bad-field");
  });
});

describe("dedupeKey", () => {
  const text = (over: Record<string, string> = {}): InboundMessage =>
    toInboundMessage({ ...COMMON, MsgType: "text", Content: "hi", MsgId: "100", ...over });
  const event = (over: Record<string, string> = {}): InboundMessage =>
    toInboundMessage({ ...COMMON, MsgType: "event", Event: "CLICK", EventKey: "A", ...over });

  it("is the same for a retried message, whatever its content", () => {
    expect(dedupeKey(text())).toBe(dedupeKey(text()));
    expect(dedupeKey(text({ Content: "changed" }))).toBe(dedupeKey(text()));
  });

  it("keys messages on FromUserName, CreateTime and MsgId", () => {
    expect(dedupeKey(text())).toBe("msg|oUser1|1700000000|100");
    expect(dedupeKey(text({ MsgId: "101" }))).not.toBe(dedupeKey(text()));
    expect(dedupeKey(text({ FromUserName: "oUser2" }))).not.toBe(dedupeKey(text()));
    expect(dedupeKey(text({ CreateTime: "1700000001" }))).not.toBe(dedupeKey(text()));
  });

  it("keys events on FromUserName, CreateTime, Event and EventKey", () => {
    expect(dedupeKey(event())).toBe("event|oUser1|1700000000|click|A");
    expect(dedupeKey(event({ EventKey: "B" }))).not.toBe(dedupeKey(event()));
    expect(dedupeKey(event({ Event: "VIEW" }))).not.toBe(dedupeKey(event()));
    expect(dedupeKey(event({ CreateTime: "1700000001" }))).not.toBe(dedupeKey(event()));
  });

  it("treats the same event in different letter case as one event", () => {
    expect(dedupeKey(event({ Event: "click" }))).toBe(dedupeKey(event({ Event: "CLICK" })));
  });

  it("keeps a message and an event of the same second apart", () => {
    expect(dedupeKey(text())).not.toBe(dedupeKey(event()));
  });

  it("keeps two kinds of message without MsgId in the same second apart", () => {
    const a = toInboundMessage({ ...COMMON, MsgType: "text", Content: "x" });
    const b = toInboundMessage({ ...COMMON, MsgType: "image", PicUrl: "p", MediaId: "m" });
    expect(dedupeKey(a)).not.toBe(dedupeKey(b));
  });
});
