/** Figure 2 as a table: one account against two, the storm, and the baselines beside them. */
import { formatCount, formatMs, formatRatio, type Table } from "../table.js";
import type { LoadResult } from "./bench.js";
import type { BatchFigures } from "./rounds.js";

const HEADER = ["batch", "requests", "throughput", "p50", "p99", "max", "5xx", "messages", "lost", "Dify calls", "duplicated"];

function row(label: string, f: BatchFigures, extra: string[]): string[] {
  return [
    label, formatCount(f.requests), `${formatCount(f.perSecond)}/s`, formatMs(f.p50Ms), formatMs(f.p99Ms), formatMs(f.maxMs),
    formatCount(f.status5xx), ...extra,
  ];
}

function signedMs(ms: number): string {
  return `${ms >= 0 ? "+" : "-"}${formatMs(Math.abs(ms))}`;
}

/** The load figures as one table, with what the second account cost under it. */
export function loadTables(r: LoadResult): Table[] {
  const o = r.options;
  const one = r.oneAccount;
  const two = r.twoAccounts;
  const half = Math.floor(o.followers / 2);
  const accountRows = Object.entries(two.perAccount).map(([name, f]) =>
    row(`  of which ${name} (${name === "default" ? "/wechat" : `/wechat/${name}`}), ${formatCount(f.requests / o.messagesPerFollower)} followers`, f, [
      formatCount(f.requests), formatCount(f.lost), "", "",
    ]));
  const spread = (ms: number[]) => ms.map((m) => formatMs(m)).join(", ");
  return [
    {
      title: `2. End-to-end on wrangler dev, safe mode, 127.0.0.1 (started in ${formatMs(r.startupMs)}; state under ${r.stateDir.split("/").slice(0, -1).join("/") || "/"})`,
      header: HEADER,
      rows: [
        row(`ours: 1 account x ${o.followers} followers x ${o.messagesPerFollower} msgs`, one, [
          formatCount(one.messages), formatCount(one.lost), formatCount(one.difyCalls), formatCount(one.duplicated),
        ]),
        row(`ours: 2 accounts x ${half} followers x ${o.messagesPerFollower} msgs, at once`, two, [
          formatCount(two.messages), formatCount(two.lost), formatCount(two.difyCalls), formatCount(two.duplicated),
        ]),
        ...accountRows,
        row(`ours: retry storm ${o.stormFollowers} x ${o.stormMessagesPerFollower} msgs x 3 copies`, r.storm, [
          formatCount(r.storm.messages), formatCount(r.storm.lost), formatCount(r.storm.difyCalls), formatCount(r.storm.duplicated),
        ]),
        row("baseline: GET / (trivial Hono text), same count, same wrangler dev", r.baseline, ["", "", "", ""]),
      ],
      notes: [
        `second account's cost: two accounts' throughput ${formatRatio(two.perSecond / one.perSecond)} one account's, ` +
          `p99 ${signedMs(two.p99Ms - one.p99Ms)}, p50 ${signedMs(two.p50Ms - one.p50Ms)} ` +
          `(same followers in all, same Dify stand-in app; each account its own token, key, AppID and follower objects)`,
        `rounds (every follower of one run sends its next message at once) ran ${r.roundOrder.join(" ")}; ` +
          `p99 per round, one account: ${spread(one.roundP99Ms)}; two accounts: ${spread(two.roundP99Ms)}`,
        "each follower sends its messages one after another; baseline: as many GETs with as many in flight;",
        "latency = request sent -> full reply read; lost = no copy got the right decrypted reply (`echo: <message>`,",
        "  opened with that account's key); duplicated = Dify calls beyond one per message (the stand-in's /__calls)",
        `storm: ${formatCount(r.storm.copiesAnsweredRight)} of ${formatCount(r.storm.requests)} copies got the right reply; ` +
          `Dify calls ${formatCount(r.storm.difyCalls)} for ${formatCount(r.storm.messages)} messages`,
        `wrong replies (200 but not the expected text): ${formatCount(one.wrongReply + two.wrongReply)}` +
          (r.wrongSamples.length > 0 ? ` (e.g. ${r.wrongSamples.map((w) => JSON.stringify(w)).join(", ")})` : "") +
          `; no answer within ${formatMs(o.requestTimeoutMs)}: ${formatCount(one.noAnswer + two.noAnswer + r.storm.noAnswer)}; ` +
          `messages with no Dify call: ${formatCount(one.missingDifyCalls + two.missingDifyCalls)}`,
        `Dify stand-in alone (one streamed chat answer, sequential, ${r.difyStandIn.samples} calls): ` +
          `p50 ${formatMs(r.difyStandIn.p50Ms)}, p99 ${formatMs(r.difyStandIn.p99Ms)}`,
      ],
    },
  ];
}
