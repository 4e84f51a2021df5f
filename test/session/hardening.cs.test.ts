/**
 * The session's promises in CS mode, each as a sequence that broke them before (issue 8): nothing lost, nothing
 * spliced, nothing unbounded.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";
import { csTexts, eventually, failNextSends, typingSent } from "../support/wechat-api-records";
import { MORE } from "../support/follower-texts";

const HOLDING = "内容生成耗时较长，请稍等...";
const base64 = (text: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/** Paragraph `n` of a test answer: ~1.45 KB of Chinese sentences, labelled so order can be checked. */
function paragraph(n: number): string {
  return `第${n}段。` + "这是一句用来测试分段发送的中文句子，".repeat(24) + `第${n}段完。`;
}

/** Everything the follower read, CS messages then what each "1" brought, with the "reply 1" notes taken off. */
async function readEverything(openid: string): Promise<string> {
  const cs = await csTexts(openid);
  const texts = [...cs];
  while (MORE.test(texts.at(-1) ?? "") && texts.length < 30) {
    texts.push((await postOnce(textMessageXml({ openid, content: "1" }))).content ?? "");
  }
  return texts.map((t) => t.replace(MORE, "")).join("\n\n");
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("late answers in CS mode lose nothing and splice nothing", () => {
  it("delivers every paragraph of six ~1.45 KB paragraphs that arrive in one event after the window closed", async () => {
    const openid = newOpenid("cs-six");
    const answer = [1, 2, 3, 4, 5, 6].map(paragraph).join("\n\n");
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: `[delay=16000][chunks=1][answer64=${base64(answer)}] 六段` }));
    expect(seen.reply?.content).toBe(HOLDING);
    await eventually(() => csTexts(openid), (texts) => MORE.test(texts.at(-1) ?? ""), 30_000);
    const read = await readEverything(openid);
    // Every paragraph once, in order: nothing dropped between the progressive parts and the rest.
    const labels = [...read.matchAll(/第(\d)段完。/g)].map((m) => Number(m[1]));
    expect(labels).toEqual([1, 2, 3, 4, 5, 6]);
    expect(read.replace(/\s/g, "")).toBe(answer.replace(/\s/g, ""));
    expect(await difyAsks(openid)).toHaveLength(1);
  });

  it("gives moderation's replacement whole when paragraphs already went out, never a slice of it", async () => {
    const openid = newOpenid("cs-replace");
    const answer = [1, 2, 3, 4].map(paragraph).join("\n\n");
    const preset = "抱歉，这个问题我无法回答。";
    const seen = await deliverLikeWechat(
      textMessageXml({ openid, content: `[delay=15000][chunks=8][gap=500][answer64=${base64(answer)}][replace=${preset}] 审核` }),
    );
    expect(seen.reply?.content).toBe(HOLDING);
    const cs = await eventually(() => csTexts(openid), (texts) => texts.some((t) => t.includes(preset)), 40_000);
    // Paragraphs sent before Dify replaced the answer stay sent; the replacement comes whole, after them.
    expect(cs.at(-1)).toBe(preset);
    for (const text of cs.slice(0, -1)) expect(text.startsWith("第")).toBe(true);
  });
});

describe("the alarm does only what is due", () => {
  it("sleeps until a backed-off CS retry is due instead of waking every second", async () => {
    const openid = newOpenid("cs-backoff");
    await failNextSends(openid, -1, 4);
    // A long fast answer: the first part passively, the rest queued for CS, whose sends now fail with -1.
    await postOnce(textMessageXml({ openid, content: "[long=3000] 退避" }));
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    const state = () =>
      runInDurableObject(stub, async (_instance, ctx) => ({
        retries: Number(ctx.storage.sql.exec("SELECT v FROM meta WHERE k = 'cs_retries'").toArray()[0]?.v ?? 0),
        retryAt: Number(ctx.storage.sql.exec("SELECT v FROM meta WHERE k = 'cs_retry_at'").toArray()[0]?.v ?? 0),
        alarm: await ctx.storage.getAlarm(),
      }));
    // Read between alarm runs (while one runs, no alarm is set).
    const backedOff = await eventually(state, (s) => s.retries >= 2 && s.alarm !== null, 20_000);
    expect(backedOff.retryAt).toBeGreaterThan(Date.now());
    // The next wake-up is the retry itself (or later), not a one-second poll before it.
    expect(backedOff.alarm).not.toBeNull();
    expect(backedOff.alarm ?? 0).toBeGreaterThanOrEqual(backedOff.retryAt);
    const all = await eventually(() => csTexts(openid), (texts) => texts.length >= 4, 40_000);
    expect(all.length).toBeGreaterThanOrEqual(4);
  });

  it("sends 'typing…' only while WeChat accepts it, 30 s after the follower's message", async () => {
    const openid = newOpenid("cs-typing");
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=46000] 打字" }));
    expect(seen.reply?.content).toBe(HOLDING);
    await eventually(() => csTexts(openid), (texts) => texts.length > 0, 45_000);
    const typing = (await typingSent(openid)).filter((t) => t === "Typing");
    expect(typing.length).toBeGreaterThan(0);
    // Renewed every 14 s from the window's end (~15.5 s): at most twice before 30 s, never at 43.5 s.
    expect(typing.length).toBeLessThanOrEqual(2);
  });

  it("makes at most 40 outbound calls in one alarm run, however many answers are queued", async () => {
    const openid = newOpenid("cs-subrequests");
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    // 45 questions whose window is over and whose answers are still to be written (as after a long outage).
    const now = Date.now();
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("INSERT INTO meta (k, v) VALUES ('openid', ?), ('cs_budget', '5')", openid);
      for (let i = 0; i < 45; i++) {
        const work = JSON.stringify({ do: "ask", query: `[long=600] 排队${i}`, messageType: "text" });
        state.storage.sql.exec(
          `INSERT INTO jobs (key, seq, kind, work, first_seen, status, window_closed) VALUES (?, ?, 'ask', ?, ?, 'queued', 1)`,
          `msg|${openid}|${i}|q${i}`, i + 1, work, now - 60_000 + i,
        );
      }
    });
    // One timeline of outbound calls and log lines: an alarm run ends with its "alarm_run" line, and the next run
    // (armed for the next answer) cannot start before that.
    const timeline: Array<{ fetch?: string; log?: string }> = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      timeline.push({ fetch: String(input instanceof Request ? input.url : input) });
      return realFetch(input, init);
    });
    const realLog = console.log;
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      timeline.push({ log: String(args[0]) });
      realLog(...args);
    });
    // The platform's own scheduler runs the alarm (it never runs two of one object at once).
    await runInDurableObject(stub, async (_instance, state) => state.storage.setAlarm(Date.now() + 100));
    await eventually(async () => timeline.some((e) => e.log?.includes('"event":"alarm_run"')), (seen) => seen, 10_000);
    const end = timeline.findIndex((e) => e.log?.includes('"event":"alarm_run"') && e.log.includes('"answer"'));
    vi.restoreAllMocks();
    expect(end).toBeGreaterThan(0);
    const calls = timeline.slice(0, end).flatMap((e) => (e.fetch === undefined ? [] : [e.fetch]));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThanOrEqual(40);
    // One answer per run: the first question was answered in it, the next ones are left for the runs that follow.
    expect(calls.filter((url) => url.includes("/chat-messages"))).toHaveLength(1);
    // The runs that follow answer the rest, in order.
    const asked = await eventually(() => difyAsks(openid), (c) => c.length >= 3, 10_000);
    expect(asked.slice(0, 3).map((c) => c.body.query)).toEqual(["[long=600] 排队0", "[long=600] 排队1", "[long=600] 排队2"]);
  });
});
