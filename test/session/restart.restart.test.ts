import { env, exports } from "cloudflare:workers";
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readReply, textMessageXml, wechatPost } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat } from "../support/wechat-retries";
import { csTexts, eventually } from "../support/wechat-api-records";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOLDING = "内容生成耗时较长，请稍等...";

// A crash or redeploy is simulated with abortAllDurableObjects(): every object of this (isolated) test project goes,
// its storage stays. The stand-in's [slow-once] makes the first Dify call hang, as a stream cut by the restart would.
describe("a Durable Object restart in the middle of an answer", () => {
  it("within WeChat's window: the held request is re-asked and still gets the answer passively", async () => {
    const openid = newOpenid("restart-window");
    const xml = textMessageXml({ openid, content: "[slow-once=120000] 窗口内重启" });
    const held = exports.default.fetch(await wechatPost(xml)).then((res) => readReply(res));
    await sleep(1500);
    await abortAllDurableObjects();
    expect((await held).content).toBe("echo: 窗口内重启");
    expect(await difyAsks(openid)).toHaveLength(2);
    await runDurableObjectAlarm(env.FOLLOWER_SESSION.getByName(openid));
    expect(await csTexts(openid)).toEqual([]);
  });

  it("after the window: the alarm asks Dify again and pushes the answer exactly once", async () => {
    const openid = newOpenid("restart-late");
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[slow-once=120000] 窗口后重启" }));
    expect(seen.reply?.content).toBe(HOLDING);
    await abortAllDurableObjects();

    const jobs = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec("SELECT status, window_closed AS closed FROM jobs").toArray(),
    );
    // Waking the object put the lost answer back in the queue (or has already answered it again).
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.closed).toBe(1);
    await runDurableObjectAlarm(stub);
    const sent = await eventually(() => csTexts(openid), (texts) => texts.length > 0, 25_000);
    expect(sent).toEqual(["echo: 窗口后重启"]);
    expect(await difyAsks(openid)).toHaveLength(2);

    // However often the alarm runs again, nothing is sent twice.
    await runDurableObjectAlarm(stub);
    await runDurableObjectAlarm(stub);
    expect(await csTexts(openid)).toEqual(["echo: 窗口后重启"]);
  });
});
