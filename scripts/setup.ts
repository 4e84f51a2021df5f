/**
 * `npm run setup`: a first deployment in one command. It asks for (or takes as flags) the AppID, Dify's API base and
 * key, and optionally the AppSecret; checks the key with Dify; makes WECHAT_TOKEN and, on request, an
 * EncodingAESKey; writes wrangler.toml's vars and .dev.vars; puts each secret with `wrangler secret put`; deploys;
 * runs the doctor; and prints exactly what to enter in WeChat's console. `--dry-run` prints every step instead of
 * running it (nothing is written, put or deployed; only Dify's GET /info is asked).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { runDoctor } from "./lib/doctor";
import { PROJECT_ROOT } from "./lib/paths";
import { readDotVars } from "./lib/settings";
import { difyAppFacts } from "./lib/setup-dify";
import { withDotVars, withVars } from "./lib/setup-files";
import { consoleValues, planSetup, secretsOf, varsOf, type SetupAnswers } from "./lib/setup-plan";
import { runSteps } from "./lib/setup-run";
import { CHECKS, generateAesKey, generateToken } from "./lib/setup-values";

const USAGE = `usage: npm run setup -- [options]

Asks for what it is not given (unless --yes), then: checks the Dify key, writes wrangler.toml [vars] and .dev.vars,
runs \`wrangler secret put\` for each secret, \`wrangler deploy\`, the doctor, and prints what to enter in WeChat's console.
  --app-id wx…          your AppID (基本配置 → 开发者ID)
  --dify-base URL       Dify's Service API base (default https://api.dify.ai/v1)
  --dify-key app-…      the Dify app's API key
  --app-secret S        AppSecret, for customer-service push and voice (optional)
  --aes-key generate|none|KEY   safe mode with a new (or your) EncodingAESKey, or plaintext mode (default: ask; --yes: generate)
  --cs                  push late answers with the customer-service API (needs --app-secret and a verified account)
  --url https://…       the worker's public URL (your custom domain), for the console and the doctor
  --yes                 ask nothing: fail when a required value is missing
  --dry-run             print every step instead of running it
  --project-dir DIR     where wrangler.toml is (default: this repository)
Exit code: 0 done, 1 a step or the Dify check failed, 2 bad usage.`;

type Flags = ReturnType<typeof parseFlags>;

function parseFlags() {
  return parseArgs({
    strict: true,
    options: {
      "app-id": { type: "string" }, "dify-base": { type: "string" }, "dify-key": { type: "string" },
      "app-secret": { type: "string" }, "aes-key": { type: "string" }, cs: { type: "boolean" }, url: { type: "string" },
      yes: { type: "boolean", short: "y" }, "dry-run": { type: "boolean" }, "project-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
}

class UsageError extends Error {}

/** Asks on the terminal, or refuses when it may not. */
function asker(flags: Flags): (question: string, fallback?: string) => Promise<string> {
  const interactive = flags.yes !== true && process.stdin.isTTY === true;
  return async (question, fallback) => {
    if (!interactive) {
      if (fallback !== undefined) return fallback;
      throw new UsageError(`missing: ${question} (pass it as a flag, see --help)`);
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      const answer = (await rl.question(`${question}${fallback === undefined ? "" : ` [${fallback}]`}: `)).trim();
      return answer === "" ? (fallback ?? "") : answer;
    } finally {
      rl.close();
    }
  };
}

async function checked(value: string | undefined, question: string, check: (v: string) => string | undefined, ask: ReturnType<typeof asker>, fallback?: string): Promise<string> {
  let v = value ?? (await ask(question, fallback));
  for (let problem = check(v); problem !== undefined; problem = check(v)) {
    if (value !== undefined) throw new UsageError(`${JSON.stringify(v)}: ${problem}`);
    process.stdout.write(`  ${problem}\n`);
    v = await ask(question, fallback);
  }
  return v;
}

async function main(): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags();
  } catch (error) {
    process.stderr.write(`setup: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const dir = resolve(flags["project-dir"] ?? PROJECT_ROOT);
  const tomlPath = resolve(dir, "wrangler.toml");
  if (!existsSync(tomlPath)) {
    process.stderr.write(`setup: no wrangler.toml in ${dir}\n`);
    return 2;
  }
  const devVarsPath = resolve(dir, ".dev.vars");
  const existing = readDotVars(devVarsPath);
  const ask = asker(flags);
  let answers: SetupAnswers;
  try {
    const appId = await checked(flags["app-id"], "AppID (wx…)", CHECKS.appId, ask);
    const difyBase = (await checked(flags["dify-base"], "Dify API base", CHECKS.difyBase, ask, "https://api.dify.ai/v1")).replace(/\/+$/, "");
    const difyKey = await checked(flags["dify-key"], "Dify app API key (app-…)", CHECKS.difyKey, ask);
    const secret = flags["app-secret"] ?? (await ask("AppSecret (Enter to skip: no customer-service push, no voice)", ""));
    const aesChoice = flags["aes-key"] ?? (await ask("Safe mode with a new EncodingAESKey? (generate / none)", "generate"));
    let aesKey: string | undefined;
    if (aesChoice === "generate") {
      aesKey = existing.WECHAT_ENCODING_AES_KEY || generateAesKey();
      if (existing.WECHAT_ENCODING_AES_KEY) say("Keeping the WECHAT_ENCODING_AES_KEY already in .dev.vars (WeChat's console has it).");
    } else if (aesChoice !== "none") aesKey = await checked(aesChoice, "EncodingAESKey", CHECKS.aesKey, ask);
    if (flags.url !== undefined && CHECKS.publicUrl(flags.url) !== undefined) throw new UsageError(`--url: ${CHECKS.publicUrl(flags.url)}`);
    if (flags.cs === true && secret === "") throw new UsageError("--cs needs --app-secret (the customer-service API needs it)");

    const facts = await difyAppFacts(difyBase, difyKey).catch((error: unknown) => {
      throw new Error(`Dify check failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    say(`Dify: app ${JSON.stringify(facts.name ?? "?")}, mode ${facts.mode ?? "(not reported)"} → DIFY_APP_TYPE = "${facts.appType}"`);
    const token = existing.WECHAT_TOKEN || generateToken();
    if (existing.WECHAT_TOKEN) say("Keeping the WECHAT_TOKEN already in .dev.vars (WeChat's console has it).");
    answers = {
      appId, difyBase, difyKey, difyAppType: facts.appType, token, aesKey, cs: flags.cs === true,
      ...(secret === "" ? {} : { appSecret: secret }),
      ...(flags.url === undefined ? {} : { publicUrl: flags.url.replace(/\/+$/, "") }),
    };
  } catch (error) {
    const usage = error instanceof UsageError;
    process.stderr.write(`setup: ${error instanceof Error ? error.message : String(error)}\n`);
    return usage ? 2 : 1;
  }
  const steps = planSetup(answers, {
    wranglerToml: withVars(readFileSync(tomlPath, "utf8"), varsOf(answers)),
    devVars: withDotVars(existsSync(devVarsPath) ? readFileSync(devVarsPath, "utf8") : "", Object.fromEntries(secretsOf(answers))),
  });
  say(flags["dry-run"] ? "Dry run: nothing is written, put or deployed." : `Setting up in ${dir}:`);
  const workerUrl = await runSteps(steps, {
    dir,
    dryRun: flags["dry-run"] === true,
    say,
    workerUrl: answers.publicUrl,
    doctor: async (url) => {
      const result = await runDoctor({ url: `${url}/wechat`, token: answers.token, tokenOrigin: "setup" });
      say(result.lines.join("\n"));
      return result.exitCode;
    },
  });
  if (workerUrl === undefined) return 1;
  say("");
  for (const line of consoleValues(answers, workerUrl)) say(line);
  return 0;
}

process.exitCode = await main();
