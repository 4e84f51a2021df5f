/**
 * When WeChat refuses CS for good (45047: quota used), the parts planned for CS wait for "1" instead; the last of them
 * already carries the "reply 1 for more" note. Handed out on "1", it must carry one note, not two, and still fit
 * WeChat's 2048 bytes. Found by the session model (test/session/session-model.model.test.ts, seed 99, path 2).
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";
import { csTexts, eventually, failNextSends } from "../support/wechat-api-records";
import { chineseProse } from "../support/prose";
import { MORE, MORE_ANYWHERE } from "../support/follower-texts";

const NOTE = MORE_ANYWHERE;
const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe("parts kept for 1 after WeChat refused CS", () => {
  it("each carry at most one 'reply 1' note and fit 2048 bytes", async () => {
    const openid = newOpenid("cs-refused-notes");
    await failNextSends(openid, 45047, 1);
    // Many parts: the first as the reply, the next planned for CS (the last of them noted), the rest for "1".
    const first = await postOnce(textMessageXml({ openid, content: "[long=6000] 客服被拒" }));
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    const waiting = () =>
      runInDurableObject(stub, (_i, state) => ({
        pull: Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM parts WHERE via = 'pull-ready'").one().n),
        cs: Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM parts WHERE via IN ('cs-queued', 'cs-sending')").one().n),
      }));
    // The refusal moved every part planned for CS to "1".
    await eventually(waiting, (w) => w.cs === 0 && w.pull > 5, 20_000);
    expect(await csTexts(openid)).toEqual([]);
    // The first part went as soon as it was final, before the refusal was known: the follower sends "1" for the rest.
    const parts = [first.content ?? ""];
    do parts.push((await postOnce(textMessageXml({ openid, content: "1" }))).content ?? "");
    while (MORE.test(parts.at(-1) ?? "") && parts.length < 30);
    for (const part of parts) {
      expect((part.match(NOTE) ?? []).length).toBeLessThanOrEqual(1);
      expect(utf8(part)).toBeLessThanOrEqual(2048);
    }
    expect(parts.map((p) => p.replace(MORE, "")).join("").replace(/\s/g, "")).toBe(chineseProse(6000).replace(/\s/g, ""));
  });
});
