/**
 * `npm run setup`: `--dry-run` prints every step (what is written, each `wrangler secret put`, the deploy, the
 * doctor) and the console's values, against the Dify stand-in; a real run with a stand-in `wrangler` on PATH (it
 * records what it is given) and the worker running locally shows the secrets travel on stdin only, the files
 * written, and the doctor run against the deployed worker.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { CallbackCipher } from "../../scripts/lib/callback-crypto";
import { withDotVars, withVars } from "../../scripts/lib/setup-files";
import { generateAesKey, generateToken } from "../../scripts/lib/setup-values";
import { startLocalWorker } from "./support/local-worker";
import { ROOT, runScript } from "./support/run-script";

/** A project directory of the test's own: a copy of wrangler.toml and, when given, a .dev.vars. */
function project(devVars?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "setup-project-"));
  writeFileSync(join(dir, "wrangler.toml"), readFileSync(resolve(ROOT, "wrangler.toml")));
  if (devVars !== undefined) writeFileSync(join(dir, ".dev.vars"), devVars);
  return dir;
}

const flags = (dir: string, ...more: string[]) => [
  "--project-dir", dir, "--yes", "--app-id", "wx0123456789abcdef", "--dify-base", inject("difyUrl"), "--dify-key", "app-test-key", ...more,
];

describe("npm run setup -- --dry-run", () => {
  it("prints every step and the console's values, and touches nothing", async () => {
    const dir = project();
    const before = readFileSync(join(dir, "wrangler.toml"), "utf8");
    const run = await runScript("setup", [...flags(dir, "--app-secret", "the-app-secret", "--aes-key", "generate", "--cs", "--url", "https://bot.example.com"), "--dry-run"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines.slice(0, 12)).toEqual([
      'Dify: app "Mock Dify App", mode advanced-chat → DIFY_APP_TYPE = "chat"',
      "Dry run: nothing is written, put or deployed.",
      `[1/9] would write wrangler.toml [vars]: WECHAT_APP_ID = "wx0123456789abcdef", DIFY_API_BASE = "${inject("difyUrl")}", DIFY_APP_TYPE = "chat", ENABLE_CUSTOM_MESSAGE = "true", PUBLIC_BASE_URL = "https://bot.example.com"`,
      "[2/9] would write .dev.vars (for npm run dev, the doctor and the simulator; git ignores it): WECHAT_TOKEN, DIFY_API_KEY, WECHAT_ENCODING_AES_KEY, WECHAT_APP_SECRET",
      "[3/9] would run wrangler whoami   (not logged in? run `npx wrangler login` first)",
      "[4/9] would run wrangler secret put WECHAT_TOKEN   (value on stdin)",
      "[5/9] would run wrangler secret put DIFY_API_KEY   (value on stdin)",
      "[6/9] would run wrangler secret put WECHAT_ENCODING_AES_KEY   (value on stdin)",
      "[7/9] would run wrangler secret put WECHAT_APP_SECRET   (value on stdin)",
      "[8/9] would run wrangler deploy",
      "[9/9] would run npm run doctor -- --url https://bot.example.com/wechat",
      "",
    ]);
    expect(run.stdout).toContain("  URL (服务器地址):              https://bot.example.com/wechat");
    expect(run.stdout).toMatch(/ {2}Token \(令牌\): {18}[A-Za-z0-9]{32}\n/);
    expect(run.stdout).toMatch(/ {2}EncodingAESKey \(消息加解密密钥\): [A-Za-z0-9]{43}\n/);
    expect(run.stdout).toContain("安全模式 (safe mode)");
    expect(run.stdout).toContain("IP白名单");
    for (const secret of ["app-test-key", "the-app-secret"]) expect(run.stdout).not.toContain(secret);
    expect(readFileSync(join(dir, "wrangler.toml"), "utf8")).toBe(before);
    expect(existsSync(join(dir, ".dev.vars"))).toBe(false);
  });

  it("keeps a token already in .dev.vars, and without an EncodingAESKey is plaintext mode", async () => {
    const dir = project("WECHAT_TOKEN=KeptToken123\nLANGUAGE=en_US\n");
    const run = await runScript("setup", [...flags(dir, "--aes-key", "none", "--app-secret", ""), "--dry-run"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Keeping the WECHAT_TOKEN already in .dev.vars");
    expect(run.stdout).not.toContain("secret put WECHAT_ENCODING_AES_KEY");
    expect(run.stdout).not.toContain("secret put WECHAT_APP_SECRET");
    expect(run.stdout).toContain("[7/7] would run npm run doctor -- --url https://<your worker>/wechat");
    expect(run.stdout).toContain("  Token (令牌):                  KeptToken123");
    expect(run.stdout).toContain("明文模式 (plaintext)");
  });

  it("stops before anything when Dify refuses the key, and asks for nothing with --yes", async () => {
    const dir = project();
    const refused = await runScript("setup", ["--project-dir", dir, "--yes", "--app-id", "wx0123456789abcdef", "--dify-base", inject("difyUrl"), "--dify-key", "app-revokedkey1", "--dry-run"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Dify check failed: Dify refused the API key (401)");
    expect(refused.stdout).not.toContain("would run");
    const missing = await runScript("setup", ["--project-dir", dir, "--yes", "--dry-run"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing: AppID");
    const wrong = await runScript("setup", [...flags(dir), "--app-id", "12345", "--dry-run"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("an AppID is wx and 16 hex digits");
  });
});

describe("npm run setup, run for real with a stand-in wrangler", () => {
  it("writes the files, puts each secret on stdin, deploys and asks the doctor", async () => {
    const dir = project("WECHAT_TOKEN=SetupToken42\n");
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const record = join(dir, "wrangler-calls.log");
    // Records argv and stdin per call; `deploy` prints where it deployed, as wrangler does.
    writeFileSync(join(bin, "wrangler"), `#!/bin/sh
input=""; if [ "$1" = "secret" ]; then input=$(cat); fi
printf '%s|%s\\n' "$*" "$input" >> ${JSON.stringify(record)}
if [ "$1" = "deploy" ]; then echo "Uploaded dify-wechat-worker"; echo "  https://dify-wechat-worker.someone.workers.dev"; fi
`);
    chmodSync(join(bin, "wrangler"), 0o755);
    const worker = await startLocalWorker({
      WECHAT_TOKEN: "SetupToken42", DIFY_API_KEY: "app-test-key", DIFY_API_BASE: inject("difyUrl"),
      WECHAT_API_BASE: inject("wechatApiUrl"), WECHAT_APP_ID: "wx0123456789abcdef",
    });
    try {
      const run = await runScript("setup", flags(dir, "--aes-key", "none", "--app-secret", "", "--url", worker.url), { PATH: `${bin}:${process.env.PATH ?? ""}` });
      expect(run.code).toBe(0);
      expect(readFileSync(record, "utf8").split("\n")).toEqual([
        "whoami|", "secret put WECHAT_TOKEN|SetupToken42", "secret put DIFY_API_KEY|app-test-key", "deploy|", "",
      ]);
      expect(readFileSync(join(dir, ".dev.vars"), "utf8")).toBe("WECHAT_TOKEN=SetupToken42\nDIFY_API_KEY=app-test-key\n");
      const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
      expect(toml).toContain('WECHAT_APP_ID = "wx0123456789abcdef"');
      expect(toml).toContain('DIFY_APP_TYPE = "chat"');
      expect(run.stdout).toContain(`Doctor for ${worker.url}/wechat (account default; token from setup)`);
      expect(run.stdout).toContain("All 6 checks passed.");
      expect(run.stdout).toContain(`  URL (服务器地址):              ${worker.url}/wechat`);
    } finally {
      await worker.stop();
    }
  });
});

describe("what setup makes and writes", () => {
  it("a 32-character token and a 43-character EncodingAESKey WeChat's crypto takes", () => {
    expect(generateToken()).toMatch(/^[A-Za-z0-9]{32}$/);
    const key = generateAesKey();
    expect(key).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(Buffer.from(`${key}=`, "base64")).toHaveLength(32);
    const cipher = new CallbackCipher(key, "wx0123456789abcdef");
    expect(cipher.decrypt(cipher.encrypt("<xml>hi</xml>"))).toBe("<xml>hi</xml>");
  });

  it("changes only the named lines of wrangler.toml's [vars] and .dev.vars", () => {
    const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
    const next = withVars(toml, { WECHAT_APP_ID: "wx0123456789abcdef", NEW_SETTING: "x" });
    const changed = next.split("\n").filter((line) => !toml.split("\n").includes(line));
    expect(changed).toEqual(['WECHAT_APP_ID = "wx0123456789abcdef"', 'NEW_SETTING = "x"']);
    expect(next.indexOf('NEW_SETTING = "x"')).toBeLessThan(next.indexOf("[[durable_objects.bindings]]"));
    expect(withDotVars("# mine\nWECHAT_TOKEN=old\nLANGUAGE=en_US\n", { WECHAT_TOKEN: "new", DIFY_API_KEY: "k" }))
      .toBe("# mine\nWECHAT_TOKEN=new\nLANGUAGE=en_US\nDIFY_API_KEY=k\n");
  });
});
