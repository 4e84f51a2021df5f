/**
 * Handing a follower to the account's human staff (HANDOFF_KEYWORDS, HANDOFF_MINUTES, `/bot`) through real
 * callbacks: WeChat's `transfer_customer_service` reply, encrypted in safe mode like any reply.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildTexts } from "../../src/texts";
import { eventXml, readReply, textMessageXml, TEST_ACCOUNT } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { callbackFor, inFollowerObject, post } from "./callbacks";

const TRANSFER = "transfer_customer_service";
const BOT_BACK = buildTexts("zh_Hans", {}).botBack;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a handoff keyword", () => {
  it("hands the message to the staff with WeChat's transfer reply, To and From swapped, and asks Dify nothing", async () => {
    const openid = newOpenid("handoff");
    const xml = textMessageXml({ openid, content: "转人工" });
    const reply = await post(xml);
    expect(reply.msgType).toBe(TRANSFER);
    expect(reply.fields).toMatchObject({ ToUserName: openid, FromUserName: TEST_ACCOUNT });
    expect(reply.content).toBeUndefined();
    // WeChat's retry of the same message gets the same reply.
    expect((await readReply(await exports.default.fetch(await callbackFor(xml)), "safe")).msgType).toBe(TRANSFER);
    expect(await difyAsks(openid)).toEqual([]);
  });

  it("hands every later message over too, until /bot gives the follower back to the bot", async () => {
    const openid = newOpenid("handoff-later");
    await post(textMessageXml({ openid, content: "人工" }));
    for (const content of ["我的订单到哪了", "营业时间", "/clear", "1"]) {
      expect((await post(textMessageXml({ openid, content }))).msgType).toBe(TRANSFER);
    }
    expect((await post(eventXml({ openid, event: "CLICK", eventKey: "MENU_HOURS" }))).msgType).toBe(TRANSFER);
    expect(await difyAsks(openid)).toEqual([]);
    const back = textMessageXml({ openid, content: "/BOT" });
    expect((await post(back)).content).toBe(BOT_BACK);
    expect((await readReply(await exports.default.fetch(await callbackFor(back)), "safe")).content).toBe(BOT_BACK);
    expect((await post(textMessageXml({ openid, content: "还在吗" }))).content).toBe("echo: 还在吗");
  });

  it("lasts HANDOFF_MINUTES (30 by default): after them the bot answers again", async () => {
    const openid = newOpenid("handoff-expiry");
    await post(textMessageXml({ openid, content: "人工客服" }));
    expect((await post(textMessageXml({ openid, content: "第一句" }))).msgType).toBe(TRANSFER);
    await inFollowerObject(openid, "UPDATE meta SET v = ? WHERE k = 'handoff_since'", String(Date.now() - 29 * 60_000));
    expect((await post(textMessageXml({ openid, content: "第二句" }))).msgType).toBe(TRANSFER);
    await inFollowerObject(openid, "UPDATE meta SET v = ? WHERE k = 'handoff_since'", String(Date.now() - 30 * 60_000 - 1));
    expect((await post(textMessageXml({ openid, content: "第三句" }))).content).toBe("echo: 第三句");
    expect((await difyAsks(openid)).map((c) => c.body.query)).toEqual(["第三句"]);
  });

  it("drops the answer still being written: it is neither the pending request's reply nor collected with 1 later", async () => {
    const openid = newOpenid("handoff-pending");
    const question = textMessageXml({ openid, content: "[delay=1500] 慢问题" });
    const held = exports.default.fetch(await callbackFor(question)).then((res) => readReply(res, "safe"));
    await sleep(300);
    expect((await post(textMessageXml({ openid, content: "人工" }))).msgType).toBe(TRANSFER);
    const pending = await held;
    expect(pending.raw).toBe("success");
    // WeChat's retry of the question is acknowledged the same way; the answer is never shown.
    expect((await readReply(await exports.default.fetch(await callbackFor(question)), "safe")).raw).toBe("success");
    await sleep(1500);
    expect((await post(textMessageXml({ openid, content: "/bot" }))).content).toBe(BOT_BACK);
    // Nothing waits for 1: it is an ordinary question now.
    expect((await post(textMessageXml({ openid, content: "1" }))).content).toBe("echo: 1");
    expect((await difyAsks(openid)).map((c) => c.body.query)).toEqual(["[delay=1500] 慢问题", "1"]);
  });

  it("is forgotten with the rest when the follower unsubscribes", async () => {
    const openid = newOpenid("handoff-unsub");
    await post(textMessageXml({ openid, content: "人工" }));
    await post(eventXml({ openid, event: "unsubscribe" }));
    expect((await post(textMessageXml({ openid, content: "又关注了" }))).content).toBe("echo: 又关注了");
  });
});

describe("with HANDOFF_KEYWORDS empty (account quiet)", () => {
  it("a handoff keyword and /bot are ordinary questions", async () => {
    const openid = newOpenid("handoff-off");
    expect((await post(textMessageXml({ openid, content: "人工" }), "quiet")).content).toBe("echo: 人工");
    expect((await post(textMessageXml({ openid, content: "/bot" }), "quiet")).content).toBe("echo: /bot");
    expect(await difyAsks(openid)).toHaveLength(2);
  });
});
