/**
 * `npm run doctor` against the worker itself (wrangler's local runtime) in front of the Dify and WeChat API
 * stand-ins: a healthy default account, and an account "broken" whose Dify key Dify refuses and whose AppID WeChat
 * answers with 40164. The checklist, the fixes, where the token came from, and the exit code.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CHECK_NAMES } from "../../src/owner/health";
import { runDoctor } from "../../scripts/lib/doctor";
import { FIX_RULES } from "../../scripts/lib/doctor-fixes";
import { startLocalWorker, type LocalWorker } from "./support/local-worker";
import { ROOT, runScript } from "./support/run-script";

let worker: LocalWorker;

beforeAll(async () => {
  worker = await startLocalWorker({
    WECHAT_APP_ID: "wx00000000000d0c70",
    WECHAT_TOKEN: "doctor-token",
    WECHAT_APP_SECRET: "doctor-app-secret",
    DIFY_API_KEY: "app-test-key",
    DIFY_API_BASE: inject("difyUrl"),
    WECHAT_API_BASE: inject("wechatApiUrl"),
    ACCOUNTS: JSON.stringify({ broken: { WECHAT_APP_ID: "wx-ip-blocked-doctor", ENABLE_CUSTOM_MESSAGE: "true" } }),
    BROKEN_WECHAT_TOKEN: "broken-token",
    BROKEN_WECHAT_APP_SECRET: "broken-app-secret",
    BROKEN_DIFY_API_KEY: "app-revoked-key",
  });
});

afterAll(async () => {
  await worker?.stop();
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("npm run doctor", () => {
  it("prints a checklist of passing checks and exits 0 for a healthy account", async () => {
    const run = await runScript("doctor", ["--url", `${worker.url}/wechat`, "--token", "doctor-token"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe(`Doctor for ${worker.url}/wechat (account default; token from --token)`);
    for (const name of CHECK_NAMES) expect(lines.some((l) => l.startsWith(`  ✓ ${name} `))).toBe(true);
    expect(run.stdout).not.toContain("fix:");
    expect(run.stdout).toContain(`All ${CHECK_NAMES.length} checks passed.`);
  });

  it("gives a fix for each failing check, with the account's own setting names, and exits 1", async () => {
    const run = await runScript("doctor", ["--url", `${worker.url}/wechat/broken`], { BROKEN_WECHAT_TOKEN: "broken-token" });
    expect(run.code).toBe(1);
    const out = run.stdout;
    expect(out).toContain("(account broken; token from the environment (BROKEN_WECHAT_TOKEN))");
    expect(out).toMatch(/✗ dify +Dify refused DIFY_API_KEY \(401/);
    expect(out).toContain("fix: copy the app's API key from Dify (the app → API Access → API Key) and run `npx wrangler secret put BROKEN_DIFY_API_KEY`");
    expect(out).toMatch(/✗ wechat-api +stable_token 40164: WeChat refused the worker's IP 203\.0\.113\.7/);
    expect(out).toContain("fix: add 203.0.113.7 to the IP whitelist");
    expect(out).toContain("ACCOUNTS.broken.WECHAT_API_BASE");
    expect(out).toMatch(/✗ delivery +customer-service push/);
    expect(out).toMatch(/✓ settings +no problems/);
    expect(out).toContain("4 of 6 checks failed.");
    for (const secret of ["broken-token", "broken-app-secret", "app-revoked-key"]) expect(out).not.toContain(secret);
  });

  it("takes the token from .dev.vars when neither the flag nor the environment has it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "doctor-dev-vars-"));
    writeFileSync(join(dir, ".dev.vars"), "# local\nWECHAT_TOKEN=doctor-token\n");
    const run = await runScript("doctor", ["--url", `${worker.url}/wechat`, "--project-dir", dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("token from .dev.vars (WECHAT_TOKEN)");
  });

  it("exits 2, naming the setting, when it finds no token; and for a URL that is no callback URL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "doctor-empty-"));
    const none = await runScript("doctor", ["--url", `${worker.url}/wechat/broken`, "--project-dir", dir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("set BROKEN_WECHAT_TOKEN");
    const bad = await runScript("doctor", ["--url", `${worker.url}/elsewhere`, "--token", "t"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("should end in /wechat or /wechat/<account>");
  });
});

describe("what the doctor says when it gets no report", () => {
  it("403: the token is not the account's", async () => {
    const result = await runDoctor({ url: `${worker.url}/wechat`, token: "not-it", tokenOrigin: "a test" });
    expect(result.exitCode).toBe(1);
    expect(result.lines.join("\n")).toContain("the worker refused the signature (403)");
    expect(result.lines.join("\n")).toContain("WECHAT_TOKEN in your shell or .dev.vars");
  });

  it("404: no such account", async () => {
    const result = await runDoctor({ url: `${worker.url}/wechat/nobody`, token: "t", tokenOrigin: "a test" });
    expect(result.exitCode).toBe(1);
    expect(result.lines.join("\n")).toContain('(404) (is "nobody" in ACCOUNTS?)');
  });

  it("no answer at all", async () => {
    const result = await runDoctor({ url: `http://127.0.0.1:${await closedPort()}/wechat`, token: "t", tokenOrigin: "a test", timeoutMs: 3000 });
    expect(result.exitCode).toBe(1);
    expect(result.lines.join("\n")).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+/);
  });
});

describe("the fixes", () => {
  it("are README's troubleshooting table: a row for every check", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = /## When followers get no answer\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";
    for (const name of ["reach", ...CHECK_NAMES]) expect(section, name).toContain(`| \`${name}\`: `);
  });

  it("cover every check the worker reports, each with a catch-all", () => {
    for (const name of CHECK_NAMES) {
      const rules = FIX_RULES.filter((r) => r.check === name);
      expect(rules.length, name).toBeGreaterThan(0);
      expect(rules.at(-1)?.when.source, name).toBe(".");
    }
  });
});
