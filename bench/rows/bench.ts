/**
 * Rows of SQLite storage one callback reads, for a follower with a short and with a long history (5 and 500 earlier
 * questions in the 3 days the record keeps). Measured in workerd through `wrangler dev` of bench/rows/entry.ts
 * (the real worker, its follower object's reads counted), with the Dify stand-in answering at once. The goal is the
 * same figure for both: no query a callback makes may scan the follower's history.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockDify } from "../../test/support/mock-dify.js";
import { startWranglerDev } from "../load/wrangler-dev.js";
import { formatCount, type Table } from "../table.js";
import { BENCH_ACCOUNT, callbackQuery, openReply, sealCallback, textXml } from "../wechat-side.js";

/** Rows read by one more callback after `history` earlier ones. */
export interface RowsFigure {
  history: number;
  rowsRead: number;
}

/** The section's figures. */
export interface RowsResult {
  figures: RowsFigure[];
}

const ENTRY = fileURLToPath(new URL("./entry.ts", import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HISTORIES = [5, 500];
/** WeChat's window (3 x 5 s + 0.5 s) plus the alarm run that closes it. */
const WINDOW_SETTLE_MS = 18_000;

let msgId = 0;

async function ask(base: string, openid: string, content: string): Promise<void> {
  msgId += 1;
  const now = Math.floor(Date.now() / 1000);
  const sealed = sealCallback(textXml({ openid, content, msgId: String(7_000_000_000_000_000 + msgId), createTime: now }), openid, now);
  const res = await fetch(`${base}/wechat?${callbackQuery(sealed)}`, { method: "POST", body: sealed.body, signal: AbortSignal.timeout(30_000) });
  const reply = openReply(await res.text());
  if (res.status !== 200 || !reply.ok || reply.content === "") throw new Error(`callback failed: HTTP ${res.status} ${reply.problem ?? ""}`);
}

async function rowsRead(base: string, openid: string): Promise<number> {
  const res = await fetch(`${base}/__bench/rows?openid=${encodeURIComponent(openid)}`);
  if (!res.ok) throw new Error(`rows probe failed: HTTP ${res.status} ${(await res.text()).slice(0, 600)}`);
  return ((await res.json()) as { rowsRead: number }).rowsRead;
}

/** Runs the section: one follower per history length, then one measured callback each. */
export async function runRows(): Promise<RowsResult> {
  const dify = await startMockDify();
  const dir = await mkdtemp(join(tmpdir(), "bench-rows-"));
  const config = join(dir, "wrangler.toml");
  await writeFile(config, [
    'name = "bench-rows"',
    `main = ${JSON.stringify(ENTRY)}`,
    'compatibility_date = "2026-08-01"',
    'compatibility_flags = ["nodejs_compat"]',
    "[[durable_objects.bindings]]", 'name = "FOLLOWER_SESSION"', 'class_name = "MeteredFollowerSession"',
    "[[durable_objects.bindings]]", 'name = "ACCESS_TOKEN_STORE"', 'class_name = "AccessTokenStore"',
    "[[migrations]]", 'tag = "v1"', 'new_sqlite_classes = ["MeteredFollowerSession", "AccessTokenStore"]',
    "",
  ].join("\n"));
  const vars = {
    WECHAT_TOKEN: BENCH_ACCOUNT.token, WECHAT_ENCODING_AES_KEY: BENCH_ACCOUNT.encodingAesKey, WECHAT_APP_ID: BENCH_ACCOUNT.appId,
    DIFY_API_KEY: "app-test-key", DIFY_API_BASE: dify.url, DIFY_APP_TYPE: "chat",
  };
  const args = ["--config", config, "--persist-to", join(dir, "state"), ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])];
  const dev = await startWranglerDev({ args, cwd: PROJECT_ROOT, startTimeoutMs: 60_000 });
  try {
    const followers = HISTORIES.map((history) => ({ history, openid: `o_bench_rows_${history}_${Date.now()}` }));
    for (const { history, openid } of followers) {
      for (let i = 0; i < history; i++) await ask(dev.url, openid, `历史问题 ${i}`);
    }
    // History is older than WeChat's 15.5 s window: let the alarm close those windows first, so the measured
    // callback is not sharing its object with that clean-up.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_SETTLE_MS));
    const figures: RowsFigure[] = [];
    for (const { history, openid } of followers) {
      const before = await rowsRead(dev.url, openid);
      await ask(dev.url, openid, "这一次读了多少行？");
      figures.push({ history, rowsRead: (await rowsRead(dev.url, openid)) - before });
    }
    return { figures };
  } finally {
    await dev.stop();
    await dify.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The section's table. */
export function rowsTables(result: RowsResult): Table[] {
  const [short, long] = result.figures;
  return [{
    title: "rows read by one callback (a text question answered passively), by the follower's history",
    header: ["history", "rows read", "vs 5 earlier questions"],
    rows: result.figures.map((f) => [
      `${f.history} earlier questions`, formatCount(f.rowsRead),
      short === undefined || short.rowsRead === 0 ? "n/a" : `${(f.rowsRead / short.rowsRead).toFixed(2)}×`,
    ]),
    notes: long !== undefined && short !== undefined && long.rowsRead === short.rowsRead
      ? ["the same figure: no query a callback makes scans the follower's history"]
      : ["the figures differ: some query scans the follower's history"],
  }];
}
