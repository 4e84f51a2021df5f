/**
 * Turns the Worker's environment (vars and secrets) into a typed, validated, read-only Config.
 *
 * Every setting is checked once per isolate. A missing or invalid value gives one clear log line naming the setting;
 * an out-of-range value is replaced by its default *and says so*, never silently used. Only a missing WECHAT_TOKEN
 * makes the worker refuse to serve (nothing can be verified without it). The readers of single values (numbers,
 * flags, URLs, the AES key...) are in ./config/values.ts.
 */
import { log } from "./log";
import { buildTexts, parseLanguage, TEXT_SETTINGS, type Language, type Texts } from "./texts";
import { withTappableOne } from "./text/tappable";
import { DEFAULT_ACCOUNT, accountSettings, readAccountTable, type AccountTable } from "./accounts/accounts";
import { readOwnerRules, type OwnerRules } from "./owner-rules";
import {
  aesKey, alertSettings, appKind, flag, inputs, integerIn, numberIn, publicBaseUrl, text, url, type Raw,
} from "./config/values";


export type { DifyAppKind } from "./dify";
import type { DifyAppKind } from "./dify";

/** The validated settings of one account (the deployment's default one, or one ACCOUNTS names). */
export interface Config {
  /** The account's name: "default" for the top-level settings, else its key in ACCOUNTS. */
  readonly account: string;
  readonly wechat: {
    readonly appId: string;
    readonly token: string;
    readonly encodingAesKey?: string;
    readonly appSecret?: string;
    readonly apiBase: string;
    /** How long WeChat waits for one callback request (5 s in production). */
    readonly requestTimeoutMs: number;
    /**
     * Accept plaintext callbacks although an AES key is set (owners switching modes in WeChat's console). Off by
     * default: a plaintext body is not signed, so accepting it lets anyone with one captured URL speak as any follower.
     */
    readonly acceptPlaintext: boolean;
  };
  readonly dify: {
    readonly apiBase: string;
    readonly apiKey: string;
    readonly appKind?: DifyAppKind;
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly idleTimeoutMs: number;
    readonly totalTimeoutMs: number;
    /** Which workflow output holds the answer; undefined = the first sensible text output. */
    readonly workflowOutputKey?: string;
  };
  readonly delivery: {
    readonly customMessages: boolean;
    readonly retryWaitRatio: number;
    readonly maxContinueCount: number;
    readonly partMaxBytes: number;
    /** How many questions may wait behind the one being answered before the follower gets the busy text. */
    readonly maxQueuedQuestions: number;
    /**
     * STREAMING_FIRST: parts go out as soon as they are final (the first as the passive reply, then by CS or "1").
     * Off: the first reply waits for the whole answer, as releases before the answer page did.
     */
    readonly streamingFirst: boolean;
  };
  /** The live answer page (`<base>/a/<ref>`, src/page/). */
  readonly page: {
    /** ANSWER_PAGE: replies that leave part of an answer for later carry a link to its page. */
    readonly enabled: boolean;
    /** PUBLIC_BASE_URL (e.g. the custom domain) without a trailing slash; undefined: the callback request's origin. */
    readonly publicBaseUrl?: string;
  };
  /** The owner's tools (src/owner-rules/): keyword replies, handoff to human staff, rate limit, blocklist. */
  readonly ownerRules: OwnerRules;
  /** Where the owner hears of problems the worker meets (src/owner/alert-ledger.ts). */
  readonly alerts: {
    /** ALERT_WEBHOOK_URL; undefined: no alerts. It may hold a key (WeCom's robots): never log or show it. */
    readonly webhookUrl?: string;
    /** ALERT_WEBHOOK_FORMAT: `json` (our own body) or `wecom` (a WeCom group robot's text message). */
    readonly format: AlertFormat;
  };
  readonly language: Language;
  /** Follower-visible texts in the chosen language, with overrides applied. */
  readonly texts: Texts;
  /** Problems found while reading the settings, one line each (already logged). */
  readonly problems: readonly string[];
}

/** How alerts are posted: our own JSON body, or a WeCom group robot's text message. */
export type AlertFormat = "json" | "wecom";

/** The environment as the worker receives it: generated bindings plus the optional secrets. */
export type AppEnv = Env & {
  WECHAT_ENCODING_AES_KEY?: string;
  WECHAT_APP_SECRET?: string;
  WECHAT_REQUEST_TIMEOUT_MS?: string;
  DIFY_INPUTS?: string;
  DIFY_IDLE_TIMEOUT_MS?: string;
  DIFY_TOTAL_TIMEOUT_MS?: string;
  MESSAGE_PART_MAX_BYTES?: string;
  LANGUAGE?: string;
  WORKFLOW_OUTPUT_KEY?: string;
  WECHAT_ACCEPT_PLAINTEXT?: string;
  MAX_QUEUED_QUESTIONS?: string;
  BUSY_MESSAGE?: string;
  ANSWER_PAGE?: string;
  PUBLIC_BASE_URL?: string;
  STREAMING_FIRST?: string;
  KEYWORD_REPLIES?: string;
  HANDOFF_KEYWORDS?: string;
  HANDOFF_MINUTES?: string;
  RATE_LIMIT_PER_HOUR?: string;
  BLOCKED_OPENIDS?: string;
  ALERT_WEBHOOK_URL?: string;
  ALERT_WEBHOOK_FORMAT?: string;
};

/** Thrown when the worker cannot serve at all with the given settings. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const DEFAULTS = {
  wechatApiBase: "https://api.weixin.qq.com",
  difyApiBase: "https://api.dify.ai/v1",
  retryWaitRatio: 0.7,
  maxContinueCount: 2,
  requestTimeoutMs: 5000,
  idleTimeoutMs: 30_000,
  totalTimeoutMs: 600_000,
  partMaxBytes: 2048,
  maxQueuedQuestions: 3,
  handoffMinutes: 30,
  rateLimitPerHour: 60,
} as const;

/** The texts that ask the follower to reply "1", with that "1" tappable when CONTINUE_LINK is on (the default). */
function continueLinks(texts: Texts, on: boolean): Texts {
  if (!on) return texts;
  return {
    ...texts,
    continuePrompt: withTappableOne(texts.continuePrompt),
    continueLater: withTappableOne(texts.continueLater),
    moreParts: withTappableOne(texts.moreParts),
    moreComing: withTappableOne(texts.moreComing),
    earlierWaiting: withTappableOne(texts.earlierWaiting),
  };
}

/** Every setting an account may give in ACCOUNTS (secrets aside), i.e. every var readConfig reads. */
export const ACCOUNT_SETTINGS: ReadonlySet<string> = new Set([
  "WECHAT_APP_ID", "WECHAT_API_BASE", "WECHAT_REQUEST_TIMEOUT_MS", "WECHAT_ACCEPT_PLAINTEXT", "DIFY_API_BASE",
  "DIFY_APP_TYPE", "DIFY_INPUTS", "DIFY_IDLE_TIMEOUT_MS", "DIFY_TOTAL_TIMEOUT_MS", "WORKFLOW_OUTPUT_KEY",
  "ENABLE_CUSTOM_MESSAGE", "RETRY_WAIT_TIMEOUT_RATIO", "MAX_CONTINUE_COUNT", "MESSAGE_PART_MAX_BYTES",
  "KEYWORD_REPLIES", "HANDOFF_KEYWORDS", "HANDOFF_MINUTES", "RATE_LIMIT_PER_HOUR", "BLOCKED_OPENIDS",
  "MAX_QUEUED_QUESTIONS", "LANGUAGE", "CONTINUE_LINK", "ANSWER_PAGE", "PUBLIC_BASE_URL", "STREAMING_FIRST", "ALERT_WEBHOOK_URL",
  "ALERT_WEBHOOK_FORMAT", ...Object.values(TEXT_SETTINGS),
]);

/** Reads and validates every setting. Logs each problem once; throws ConfigError only when WECHAT_TOKEN is missing. */
export function readConfig(env: AppEnv): Config {
  return readSettings(env as unknown as Raw, DEFAULT_ACCOUNT);
}

/** Validates one account's raw settings (see {@link readConfig}). */
function readSettings(raw: Raw, account: string): Config {
  const problems: string[] = [];
  const token = text(raw, "WECHAT_TOKEN");
  if (token === undefined) {
    const name = account === DEFAULT_ACCOUNT ? "WECHAT_TOKEN" : `${account.toUpperCase().replace(/-/g, "_")}_WECHAT_TOKEN`;
    throw new ConfigError(`${name} is not set: run \`wrangler secret put ${name}\``);
  }

  const appId = text(raw, "WECHAT_APP_ID") ?? "";
  const encodingAesKey = aesKey(raw, problems);
  if (encodingAesKey !== undefined && appId === "") {
    problems.push("WECHAT_APP_ID is empty: safe-mode messages will be refused until it is set");
  }
  const apiKey = text(raw, "DIFY_API_KEY") ?? "";
  if (apiKey === "") problems.push("DIFY_API_KEY is not set: followers will get the failure text");
  const customMessages = flag(raw, "ENABLE_CUSTOM_MESSAGE", false, problems);
  const appSecret = text(raw, "WECHAT_APP_SECRET");
  if (customMessages && appSecret === undefined) {
    problems.push("ENABLE_CUSTOM_MESSAGE is true but WECHAT_APP_SECRET is not set: late answers stay claimable with 1");
  }

  const acceptPlaintext = flag(raw, "WECHAT_ACCEPT_PLAINTEXT", false, problems);
  if (acceptPlaintext && encodingAesKey !== undefined) {
    problems.push("WECHAT_ACCEPT_PLAINTEXT is true: unsigned plaintext callbacks are accepted beside safe mode; turn it off once WeChat's console is switched");
  }

  let language = parseLanguage(text(raw, "LANGUAGE"));
  if (language === undefined) {
    problems.push(`LANGUAGE=${JSON.stringify(text(raw, "LANGUAGE"))} is not zh_Hans, en_US, ja_JP or pt_BR; using zh_Hans`);
    language = "zh_Hans";
  }

  return {
    account,
    language,
    texts: continueLinks(buildTexts(language, raw), flag(raw, "CONTINUE_LINK", true, problems)),
    wechat: {
      appId,
      token,
      encodingAesKey,
      appSecret,
      apiBase: url(raw, "WECHAT_API_BASE", DEFAULTS.wechatApiBase, problems),
      requestTimeoutMs: integerIn(raw, "WECHAT_REQUEST_TIMEOUT_MS", 500, 5000, DEFAULTS.requestTimeoutMs, problems),
      acceptPlaintext,
    },
    dify: {
      apiBase: url(raw, "DIFY_API_BASE", DEFAULTS.difyApiBase, problems),
      apiKey,
      appKind: appKind(raw, problems),
      inputs: inputs(raw, problems),
      idleTimeoutMs: integerIn(raw, "DIFY_IDLE_TIMEOUT_MS", 1000, 300_000, DEFAULTS.idleTimeoutMs, problems),
      totalTimeoutMs: integerIn(raw, "DIFY_TOTAL_TIMEOUT_MS", 5000, 720_000, DEFAULTS.totalTimeoutMs, problems),
      workflowOutputKey: text(raw, "WORKFLOW_OUTPUT_KEY"),
    },
    delivery: {
      customMessages: customMessages && appSecret !== undefined,
      retryWaitRatio: numberIn(raw, "RETRY_WAIT_TIMEOUT_RATIO", 0.1, 1, DEFAULTS.retryWaitRatio, problems),
      maxContinueCount: integerIn(raw, "MAX_CONTINUE_COUNT", 0, 20, DEFAULTS.maxContinueCount, problems),
      partMaxBytes: integerIn(raw, "MESSAGE_PART_MAX_BYTES", 256, 2048, DEFAULTS.partMaxBytes, problems),
      maxQueuedQuestions: integerIn(raw, "MAX_QUEUED_QUESTIONS", 0, 20, DEFAULTS.maxQueuedQuestions, problems),
      streamingFirst: flag(raw, "STREAMING_FIRST", true, problems),
    },
    page: {
      enabled: flag(raw, "ANSWER_PAGE", true, problems),
      publicBaseUrl: publicBaseUrl(raw, problems),
    },
    ownerRules: readOwnerRules(raw, {
      handoffMinutes: integerIn(raw, "HANDOFF_MINUTES", 1, 1440, DEFAULTS.handoffMinutes, problems),
      rateLimitPerHour: integerIn(raw, "RATE_LIMIT_PER_HOUR", 0, 100_000, DEFAULTS.rateLimitPerHour, problems),
    }, problems),
    alerts: alertSettings(raw, problems),
    problems,
  };
}

/** Thrown for an account name ACCOUNTS does not name (or names but could not read). */
export class UnknownAccountError extends Error {
  override readonly name = "UnknownAccountError";
}

const configs = new WeakMap<object, Map<string, Config>>();
const tables = new WeakMap<object, AccountTable>();

/** ACCOUNTS as read from this environment, once per isolate; its problems are logged on that first read. */
export function accountTable(env: AppEnv): AccountTable {
  const cached = tables.get(env);
  if (cached) return cached;
  const table = readAccountTable(env as unknown as Record<string, unknown>, ACCOUNT_SETTINGS);
  for (const problem of table.problems) log.warn("config", { problem });
  tables.set(env, table);
  return table;
}

/**
 * The Config of one account of this environment (the default account unless `account` is given), read once per
 * isolate: problems are logged on the first read only, each naming the account, so a bad setting gives one log line
 * rather than one per message. Throws ConfigError when the account cannot verify anything (no token) and
 * UnknownAccountError for a name ACCOUNTS does not have.
 */
export function configFor(env: AppEnv, account: string = DEFAULT_ACCOUNT): Config {
  let perAccount = configs.get(env);
  if (perAccount === undefined) {
    perAccount = new Map();
    configs.set(env, perAccount);
  }
  const cached = perAccount.get(account);
  if (cached) return cached;
  let raw: Raw;
  if (account === DEFAULT_ACCOUNT) {
    raw = env as unknown as Raw;
  } else {
    const settings = accountSettings(env as unknown as Record<string, unknown>, accountTable(env), account);
    if (settings === undefined) throw new UnknownAccountError(`no account named ${JSON.stringify(account)} in ACCOUNTS`);
    raw = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, typeof v === "string" ? v : undefined]));
  }
  const config = readSettings(raw, account);
  for (const problem of config.problems) log.warn("config", account === DEFAULT_ACCOUNT ? { problem } : { account, problem });
  perAccount.set(account, config);
  return config;
}
