/**
 * The doctor's work: sign a request to the worker's `…/wechat[/<name>]/health` exactly as WeChat's console check is
 * signed (sha1 of the sorted token, timestamp and nonce), read the checks, and turn them into a checklist with a fix
 * for each failing one. Any answer but a report (403: wrong token; 404: no such account or a worker without /health;
 * no answer at all) is one failing line with its own fix.
 */
import { randomInt } from "node:crypto";
import { DEFAULT_ACCOUNT } from "./account-names";
import { wechatSignature } from "./callback-crypto";
import { accountNames, fixFor, type ReportedCheck } from "./doctor-fixes";

/** What the doctor needs. */
export interface DoctorOptions {
  /** The account's callback URL: `https://host/wechat` or `https://host/wechat/<name>`. */
  url: string;
  token: string;
  /** Where the token came from, for the header line (never the token itself). */
  tokenOrigin: string;
  fetcher?: typeof fetch;
  /** Whole-exchange deadline. Default 30 s (the worker's own checks take up to 5 s each). */
  timeoutMs?: number;
}

/** The checklist and the exit code (1 when anything failed). */
export interface DoctorResult {
  exitCode: 0 | 1;
  lines: string[];
}

/** The account a callback URL serves: `/wechat` the default one, `/wechat/<name>` the named one. */
export function accountOfUrl(url: string): string {
  const path = new URL(url).pathname.replace(/\/+$/, "");
  const named = /\/wechat\/([a-z0-9-]{1,32})$/.exec(path);
  if (named?.[1] !== undefined) return named[1];
  if (/\/wechat$/.test(path)) return DEFAULT_ACCOUNT;
  throw new Error(`--url ${url} is not a callback URL: it should end in /wechat or /wechat/<account>`);
}

/** The health URL for `url`, signed with `token` at `nowSeconds` (WeChat's signature, fresh timestamp). */
export function signedHealthUrl(url: string, token: string, nowSeconds: number, nonce: string): string {
  const timestamp = String(nowSeconds);
  const health = new URL(url);
  health.pathname = `${health.pathname.replace(/\/+$/, "")}/health`;
  health.search = new URLSearchParams({ signature: wechatSignature([token, timestamp, nonce]), timestamp, nonce }).toString();
  return health.toString();
}

function isReport(value: unknown): value is { ok: boolean; account: string; checks: ReportedCheck[] } {
  if (value === null || typeof value !== "object") return false;
  const checks = (value as { checks?: unknown }).checks;
  return Array.isArray(checks) && checks.every((c) => c !== null && typeof c === "object" && typeof (c as ReportedCheck).name === "string");
}

/** One failing line for an answer that is not a report. */
function failure(header: string[], what: string, fix: string): DoctorResult {
  return { exitCode: 1, lines: [...header, `  ✗ reach        ${what}`, `                 fix: ${fix}`] };
}

/** Asks the worker and builds the checklist. Never throws for what the worker (or the network) answers. */
export async function runDoctor(o: DoctorOptions): Promise<DoctorResult> {
  const account = accountOfUrl(o.url);
  const names = accountNames(account);
  const header = [`Doctor for ${o.url} (account ${account}; token from ${o.tokenOrigin})`, ""];
  const fetcher = o.fetcher ?? fetch;
  const url = signedHealthUrl(o.url, o.token, Math.floor(Date.now() / 1000), String(randomInt(1e9, 1e10)));
  let res: Response;
  let body: string;
  try {
    res = await fetcher(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 30_000), headers: { accept: "application/json" } });
    body = await res.text();
  } catch (error) {
    const why = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    return failure(header, `no answer from ${new URL(o.url).origin} (${why})`, "check the URL (your custom domain, or the workers.dev URL `npm run deploy` printed) and that the worker is deployed");
  }
  if (res.status === 403) {
    return failure(header, "the worker refused the signature (403)", `use this account's token: --token, or ${names.secret("WECHAT_TOKEN")} in your shell or .dev.vars (the same as in WeChat's console)`);
  }
  if (res.status === 404) {
    const which = account === DEFAULT_ACCOUNT ? "" : ` (is "${account}" in ACCOUNTS?)`;
    return failure(header, `no health check at ${new URL(url).pathname} (404)${which}`, "deploy this version of the worker (`npm run deploy`); a named account must be in ACCOUNTS");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (res.status !== 200 || !isReport(parsed)) {
    const fix = res.status === 500
      ? `the account has no token on the worker: run \`npx wrangler secret put ${names.secret("WECHAT_TOKEN")}\``
      : "check that the URL is this worker's";
    return failure(header, `the worker answered HTTP ${res.status}, not a health report`, fix);
  }
  const lines = [...header];
  const width = Math.max(...parsed.checks.map((c) => c.name.length), 5) + 2;
  for (const check of parsed.checks) {
    lines.push(`  ${check.ok ? "✓" : "✗"} ${check.name.padEnd(width)} ${check.detail}`);
    const fix = fixFor(check, names);
    if (fix !== undefined) lines.push(`  ${" ".repeat(width + 2)} fix: ${fix}`);
  }
  const failed = parsed.checks.filter((c) => !c.ok).length;
  lines.push("", failed === 0 ? `All ${parsed.checks.length} checks passed.` : `${failed} of ${parsed.checks.length} checks failed.`);
  return { exitCode: failed === 0 ? 0 : 1, lines };
}
