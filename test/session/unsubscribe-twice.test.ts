/**
 * A follower who unsubscribes, follows again and unsubscribes again within WeChat's retry window: a retry of a
 * message sent before the first unsubscribe is still recognised (its tombstone stays) and not asked again. Found by
 * the session model (test/session/session-model.model.test.ts, seed 99, path 5, CS mode).
 */
import { describe, expect, it } from "vitest";
import { eventXml, readReply, textMessageXml, wechatPost } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";
import { callWorker } from "../support/deployments";

describe("two unsubscribes in a row", () => {
  it("keep the first one's tombstones, so a late retry of an earlier message gets no second Dify call", async () => {
    const openid = newOpenid("unsub-twice");
    const question = textMessageXml({ openid, content: "退订前的问题" });
    expect((await readReply(await callWorker(await wechatPost(question)))).content).toBe("echo: 退订前的问题");
    const now = Math.floor(Date.now() / 1000);
    // WeChat tells events apart by CreateTime: these are two unsubscribes (a follow came between them).
    expect((await postOnce(eventXml({ openid, event: "unsubscribe", createTime: now }))).status).toBe(200);
    expect((await postOnce(eventXml({ openid, event: "unsubscribe", createTime: now + 1 }))).status).toBe(200);
    // WeChat retries the question (same bytes): acknowledged with nothing, not asked again.
    const retry = await readReply(await callWorker(await wechatPost(question)));
    expect(retry.status).toBe(200);
    expect(retry.content).toBeUndefined();
    expect(await difyAsks(openid)).toHaveLength(1);
  });
});
