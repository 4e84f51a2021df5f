/**
 * What `npm run setup` does, as a list of steps decided before anything runs: write the vars, put each secret,
 * deploy, ask the doctor. `--dry-run` prints the list; a real run performs it in order and stops at the first step
 * that fails. Secrets travel only on a command's stdin, and the list shows them as `(value on stdin)`.
 */

/** The owner's answers, checked. */
export interface SetupAnswers {
  appId: string;
  difyBase: string;
  difyKey: string;
  /** DIFY_APP_TYPE as Dify's GET /info told it. */
  difyAppType: "chat" | "completion" | "workflow";
  appSecret?: string;
  /** undefined: plaintext mode. */
  aesKey?: string;
  token: string;
  /** ENABLE_CUSTOM_MESSAGE: push late answers (needs the app secret and a verified account). */
  cs: boolean;
  /** The worker's public base (a custom domain); undefined: the workers.dev URL `wrangler deploy` prints. */
  publicUrl?: string;
}

/** One step. */
export type SetupStep =
  | { kind: "write"; path: string; content: string; shown: string }
  | { kind: "run"; argv: string[]; stdin?: string; shown: string; captureUrl?: boolean }
  | { kind: "doctor" };

/** The secrets, by name, that `wrangler secret put` gets. */
export function secretsOf(a: SetupAnswers): Array<[string, string]> {
  const secrets: Array<[string, string]> = [["WECHAT_TOKEN", a.token], ["DIFY_API_KEY", a.difyKey]];
  if (a.aesKey !== undefined) secrets.push(["WECHAT_ENCODING_AES_KEY", a.aesKey]);
  if (a.appSecret !== undefined) secrets.push(["WECHAT_APP_SECRET", a.appSecret]);
  return secrets;
}

/** The vars wrangler.toml gets. */
export function varsOf(a: SetupAnswers): Record<string, string> {
  return {
    WECHAT_APP_ID: a.appId,
    DIFY_API_BASE: a.difyBase,
    DIFY_APP_TYPE: a.difyAppType,
    ENABLE_CUSTOM_MESSAGE: a.cs ? "true" : "false",
    ...(a.publicUrl === undefined ? {} : { PUBLIC_BASE_URL: a.publicUrl }),
  };
}

/** The steps, given the new contents of wrangler.toml and .dev.vars. */
export function planSetup(a: SetupAnswers, files: { wranglerToml: string; devVars: string }): SetupStep[] {
  const vars = varsOf(a);
  const secrets = secretsOf(a);
  return [
    {
      kind: "write",
      path: "wrangler.toml",
      content: files.wranglerToml,
      shown: `write wrangler.toml [vars]: ${Object.entries(vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")}`,
    },
    {
      kind: "write",
      path: ".dev.vars",
      content: files.devVars,
      shown: `write .dev.vars (for npm run dev, the doctor and the simulator; git ignores it): ${secrets.map(([k]) => k).join(", ")}`,
    },
    { kind: "run", argv: ["wrangler", "whoami"], shown: "wrangler whoami   (not logged in? run `npx wrangler login` first)" },
    ...secrets.map(([name, value]): SetupStep => ({
      kind: "run", argv: ["wrangler", "secret", "put", name], stdin: value, shown: `wrangler secret put ${name}   (value on stdin)`,
    })),
    { kind: "run", argv: ["wrangler", "deploy"], shown: "wrangler deploy", captureUrl: true },
    { kind: "doctor" },
  ];
}

/** What to type into WeChat's console once the worker is up. */
export function consoleValues(a: SetupAnswers, workerUrl: string): string[] {
  const lines = [
    "In WeChat's console (mp.weixin.qq.com → 设置与开发 → 基本配置 → 服务器配置 → 修改配置):",
    `  URL (服务器地址):              ${workerUrl.replace(/\/+$/, "")}/wechat`,
    `  Token (令牌):                  ${a.token}`,
    a.aesKey === undefined
      ? "  EncodingAESKey (消息加解密密钥): (any; it is not used in plaintext mode)"
      : `  EncodingAESKey (消息加解密密钥): ${a.aesKey}`,
    `  消息加解密方式:                ${a.aesKey === undefined ? "明文模式 (plaintext)" : "安全模式 (safe mode)"}`,
    "  then 提交 (WeChat checks the URL), then 启用 (enable).",
  ];
  if (a.appSecret !== undefined) {
    lines.push("  IP白名单: WeChat's API answers only whitelisted IPs (the doctor names the one it saw; see README, IP whitelist).");
  }
  if (a.publicUrl === undefined) {
    lines.push("  A custom domain is safer: *.workers.dev is not reliably reachable from WeChat in mainland China (README, Deploy).");
  }
  return lines;
}
