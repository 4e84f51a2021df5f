/**
 * The session's promises in pull mode, each as a sequence that broke them before (issue 8): unsubscribe leaves
 * nothing, unread answers are kept a week, a follower cannot queue unbounded work, no failure leaves a job stuck or
 * re-asked forever, and a callback reads the same rows however long the follower's history.
 */
import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RETENTION_MS, UNREAD_RETENTION_MS } from "../../src/session/follower-session";
import { MAX_REASKS } from "../../src/session/answering";
import { eventXml, readReply, textMessageXml, wechatPost } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";
import { eventually } from "../support/wechat-api-records";
import { PROMPT } from "../support/follower-texts";

const FAILURE = "抱歉，暂时无法回答，请稍后再试。";
const BUSY = "您已有几个问题正在等待回答，请等回答送达后再提问。";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Row counts of every table of a follower's object. */
function rows(openid: string): Promise<Record<string, number>> {
  return runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
    const count = (table: string) => Number(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n);
    return { jobs: count("jobs"), parts: count("parts"), meta: count("meta"), tombstones: count("tombstones") };
  });
}

describe("unsubscribe", () => {
  it("leaves nothing of the follower, drops the running answer and admits no retry of an earlier message", async () => {
    const openid = newOpenid("unsub");
    const question = textMessageXml({ openid, content: "[delay=3000] 退订前的问题" });
    const held = exports.default.fetch(await wechatPost(question));
    await sleep(500);
    expect((await postOnce(eventXml({ openid, event: "unsubscribe" }))).status).toBe(200);
    await held;
    // WeChat retries the question sent just before the unsubscribe (same bytes): acknowledged, not asked again.
    const retry = await readReply(await exports.default.fetch(await wechatPost(question)));
    expect(retry.status).toBe(200);
    expect(retry.content).toBeUndefined();
    // The dropped stream would have ended by now: nothing of it (conversation id, parts) was written back.
    await sleep(3500);
    expect(await difyAsks(openid)).toHaveLength(1);
    const left = await rows(openid);
    expect({ jobs: left.jobs, parts: left.parts, meta: left.meta }).toEqual({ jobs: 0, parts: 0, meta: 0 });
    // Once WeChat's retries are over, the tombstones go too.
    await runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
      state.storage.sql.exec("UPDATE tombstones SET until = 0");
    });
    await runDurableObjectAlarm(env.FOLLOWER_SESSION.getByName(openid));
    expect(await rows(openid)).toEqual({ jobs: 0, parts: 0, meta: 0, tombstones: 0 });
  });
});

describe("an answer waiting for 1", () => {
  it("is kept for 7 days after the question, then removed", async () => {
    const openid = newOpenid("week");
    const first = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=16000] 一周" }));
    expect(first.reply?.content).toContain(PROMPT);
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    await eventually(
      () => runInDurableObject(stub, (_i, state) => Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM parts WHERE via = 'pull-ready'").one().n)),
      (n) => n > 0,
      10_000,
    );
    const age = async (ms: number) =>
      runInDurableObject(stub, (_i, state) => {
        state.storage.sql.exec("UPDATE jobs SET first_seen = first_seen - ?", ms);
      });
    // Older than the 3-day record retention, younger than 7 days: kept.
    await age(RETENTION_MS + 24 * 3600_000);
    await runDurableObjectAlarm(stub);
    expect((await rows(openid)).jobs).toBeGreaterThan(0);
    // Past 7 days: gone.
    await age(UNREAD_RETENTION_MS - RETENTION_MS);
    await runDurableObjectAlarm(stub);
    expect((await rows(openid)).jobs).toBe(0);
  });

  it("is still collected with 1 five days later", async () => {
    const openid = newOpenid("five-days");
    await deliverLikeWechat(textMessageXml({ openid, content: "[delay=16000] 五天后" }));
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    await eventually(
      () => runInDurableObject(stub, (_i, state) => Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM parts WHERE via = 'pull-ready'").one().n)),
      (n) => n > 0,
      10_000,
    );
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE jobs SET first_seen = first_seen - ?", 5 * 24 * 3600_000);
    });
    await runDurableObjectAlarm(stub);
    expect((await postOnce(textMessageXml({ openid, content: "1" }))).content).toBe("echo: 五天后");
  });
});

describe("bounded work", () => {
  it("lets at most MAX_QUEUED_QUESTIONS (3) wait behind the answer being written; more get the busy text at once", async () => {
    const openid = newOpenid("flood");
    const replies: Array<Promise<string | undefined>> = [];
    for (let i = 0; i < 8; i++) {
      const request = await wechatPost(textMessageXml({ openid, content: `[delay=1500] 问题${i}` }));
      replies.push(exports.default.fetch(request).then(async (res) => (await readReply(res)).content));
      await sleep(100);
    }
    const texts = await Promise.all(replies);
    // Questions 0..3 are answered (one at a time, each held until its answer); 4..7 are refused without Dify.
    expect(texts.slice(4)).toEqual([BUSY, BUSY, BUSY, BUSY]);
    await eventually(() => difyAsks(openid), (calls) => calls.length >= 4, 20_000);
    await sleep(2000);
    const asked = await difyAsks(openid);
    expect(asked.map((c) => String(c.body.query))).toEqual(["[delay=1500] 问题0", "[delay=1500] 问题1", "[delay=1500] 问题2", "[delay=1500] 问题3"]);
  });

  it("gives the failure text instead of asking Dify again once re-asks are used up", async () => {
    const openid = newOpenid("reasks");
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    // A question whose stream was lost 1 + MAX_REASKS times (each restart re-queued it).
    await runInDurableObject(stub, (_instance, state) => {
      const work = JSON.stringify({ do: "ask", query: "永远重启", messageType: "text" });
      state.storage.sql.exec("INSERT INTO meta (k, v) VALUES ('openid', ?)", openid);
      state.storage.sql.exec(
        `INSERT INTO jobs (key, seq, kind, work, first_seen, status, window_closed, attempts) VALUES (?, 1, 'ask', ?, ?, 'queued', 1, ?)`,
        `msg|${openid}|1|1`, work, Date.now() - 60_000, 1 + MAX_REASKS,
      );
      void state.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(stub);
    expect(await difyAsks(openid)).toHaveLength(0);
    const job = await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec("SELECT status, key FROM jobs").one());
    expect(job.status).toBe("done");
    expect((await postOnce(textMessageXml({ openid, content: "1" }))).content).toBe(FAILURE);
  });

  it("settles an answer whose storage fails after the stream, so nothing waits behind it forever", async () => {
    const openid = newOpenid("settle");
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    await runInDurableObject(stub, (instance) => {
      const store = (instance as unknown as { store: { appendParts: (...args: unknown[]) => void } }).store;
      const original = store.appendParts.bind(store);
      let failed = false;
      store.appendParts = (...args: unknown[]) => {
        if (!failed) {
          failed = true;
          throw new Error("SQLITE_FULL: database or disk is full");
        }
        original(...args);
      };
    });
    expect((await postOnce(textMessageXml({ openid, content: "存储失败" }))).content).toBe(FAILURE);
    // The next question is answered normally, and no alarm polls for a stuck job.
    expect((await postOnce(textMessageXml({ openid, content: "下一个" }))).content).toBe("echo: 下一个");
    const left = await runInDurableObject(stub, async (_instance, state) => ({
      unfinished: Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM jobs WHERE status != 'done'").one().n),
      alarm: await state.storage.getAlarm(),
    }));
    expect(left.unfinished).toBe(0);
    expect(left.alarm === null || left.alarm > Date.now() + 5000).toBe(true);
  });
});

describe("rows read per callback", () => {
  /** Gives the follower `count` finished, delivered questions of history, as if asked over the last day. */
  async function withHistory(openid: string, count: number): Promise<void> {
    await runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
      const now = Date.now();
      for (let i = 0; i < count; i++) {
        const key = `msg|${openid}|${i}|h${i}`;
        state.storage.sql.exec(
          `INSERT INTO jobs (key, seq, kind, work, first_seen, status, passive_reply, window_closed, logged)
           VALUES (?, ?, 'ask', '{}', ?, 'done', 'old answer', 1, 1)`,
          key, i + 1, now - 86_400_000 + i,
        );
        state.storage.sql.exec("INSERT INTO parts (job, idx, text, via, delivered_at) VALUES (?, 0, 'old answer', 'passive', ?)", key, now);
      }
    });
  }

  it("do not grow with the follower's history (5 and 500 earlier questions read the same)", async () => {
    const costs: number[] = [];
    for (const history of [5, 500]) {
      const openid = newOpenid(`rows-${history}`);
      await withHistory(openid, history);
      const stub = env.FOLLOWER_SESSION.getByName(openid);
      const before = await stub.storageStats();
      expect((await postOnce(textMessageXml({ openid, content: "多少行" }))).content).toBe("echo: 多少行");
      const after = await stub.storageStats();
      costs.push(after.rowsRead - before.rowsRead);
    }
    expect(costs[0]).toBeGreaterThan(0);
    expect(costs[1]).toBe(costs[0]);
  });
});
