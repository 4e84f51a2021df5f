/**
 * The readers of single setting values for src/config.ts: each takes the raw strings, returns a typed value, and
 * reports a bad value in `problems` (naming the setting) while falling back to its default.
 */
import type { AlertFormat, Config } from "../config";
import type { DifyAppKind } from "../dify";

/** The settings of one account as strings, by name (the environment, or one ACCOUNTS entry). */
export type Raw = Record<string, string | undefined>;

/** The setting's value trimmed; undefined when it is missing, not a string, or blank. */
export function text(raw: Raw, name: string): string | undefined {
  const value = raw[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** Reads a number within [min, max]; anything else is reported and replaced by the default. */
export function numberIn(raw: Raw, name: string, min: number, max: number, fallback: number, problems: string[]): number {
  const value = text(raw, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    problems.push(`${name}=${JSON.stringify(value)} is not a number in ${min}..${max}; using ${fallback}`);
    return fallback;
  }
  return parsed;
}

/** Like {@link numberIn}, for whole numbers: a fraction is reported and replaced by the default. */
export function integerIn(raw: Raw, name: string, min: number, max: number, fallback: number, problems: string[]): number {
  const value = numberIn(raw, name, min, max, fallback, problems);
  if (!Number.isInteger(value)) {
    problems.push(`${name}=${value} is not a whole number; using ${fallback}`);
    return fallback;
  }
  return value;
}

/**
 * Reads an http(s) base URL. Plain http:// is allowed (local stand-ins and tunnels need it) but reported: the
 * credentials sent to these APIs (AppSecret, access tokens, the Dify key) would cross the network in clear text.
 */
export function url(raw: Raw, name: string, fallback: string, problems: string[]): string {
  const value = text(raw, name);
  if (value === undefined) return fallback;
  const protocol = protocolOf(value);
  if (protocol !== "https:" && protocol !== "http:") {
    problems.push(`${name}=${JSON.stringify(value)} is not an http(s) URL; using ${fallback}`);
    return fallback;
  }
  if (protocol === "http:") {
    problems.push(`${name} uses http://: credentials and messages travel in clear text; use https:// outside local tests`);
  }
  return value.replace(/\/+$/, "");
}

function protocolOf(value: string): string | undefined {
  try {
    return new URL(value).protocol;
  } catch {
    return undefined;
  }
}

/** Reads true/false (also 1/0, yes/no, on/off); anything else is reported and replaced by the default. */
export function flag(raw: Raw, name: string, fallback: boolean, problems: string[]): boolean {
  const value = text(raw, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  problems.push(`${name}=${JSON.stringify(value)} is not true or false; using ${fallback}`);
  return fallback;
}

/** DIFY_APP_TYPE, Dify's own mode names included; undefined (ask Dify's /info) when missing or not understood. */
export function appKind(raw: Raw, problems: string[]): DifyAppKind | undefined {
  const value = text(raw, "DIFY_APP_TYPE")?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === "chat" || value === "completion" || value === "workflow") return value;
  // Dify's own mode names, as GET /info reports them, are accepted too.
  if (value === "agent-chat" || value === "advanced-chat" || value === "chatflow" || value === "agent" || value === "chatbot") {
    return "chat";
  }
  problems.push(`DIFY_APP_TYPE=${JSON.stringify(value)} is not chat, completion or workflow; asking Dify's /info instead`);
  return undefined;
}

/** DIFY_INPUTS: a JSON object of inputs for every Dify call; anything else is reported and replaced by {}. */
export function inputs(raw: Raw, problems: string[]): Record<string, unknown> {
  const value = text(raw, "DIFY_INPUTS");
  if (value === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  problems.push("DIFY_INPUTS is not a JSON object; using {}");
  return {};
}

/** WECHAT_ENCODING_AES_KEY when it has WeChat's shape (43 base64 characters); otherwise reported and undefined. */
export function aesKey(raw: Raw, problems: string[]): string | undefined {
  const value = text(raw, "WECHAT_ENCODING_AES_KEY");
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]{43}$/.test(value)) {
    problems.push("WECHAT_ENCODING_AES_KEY is not 43 base64 characters; safe mode is off until it is fixed");
    return undefined;
  }
  return value;
}

/**
 * PUBLIC_BASE_URL: where followers reach this worker (the custom domain), as an https origin with an optional path
 * and no trailing slash. Anything else is reported and ignored (the callback request's origin is used instead).
 */
export function publicBaseUrl(raw: Raw, problems: string[]): string | undefined {
  const value = text(raw, "PUBLIC_BASE_URL");
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    problems.push(`PUBLIC_BASE_URL=${JSON.stringify(value)} is not a URL; answer links use the callback's origin`);
    return undefined;
  }
  if (parsed.protocol !== "https:" || parsed.search !== "" || parsed.hash !== "" || parsed.username !== "") {
    problems.push(`PUBLIC_BASE_URL=${JSON.stringify(value)} must be a plain https:// URL; answer links use the callback's origin`);
    return undefined;
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, "");
}

/**
 * ALERT_WEBHOOK_URL and ALERT_WEBHOOK_FORMAT. The URL may carry a key (a WeCom robot's `?key=`), so problems never
 * quote it; plain http:// is refused except to this machine (the local stand-ins).
 */
export function alertSettings(raw: Raw, problems: string[]): Config["alerts"] {
  const value = text(raw, "ALERT_WEBHOOK_URL");
  const formatValue = text(raw, "ALERT_WEBHOOK_FORMAT")?.toLowerCase() ?? "json";
  let format: AlertFormat = "json";
  if (formatValue === "wecom") format = "wecom";
  else if (formatValue !== "json") problems.push(`ALERT_WEBHOOK_FORMAT=${JSON.stringify(formatValue)} is not json or wecom; using json`);
  if (value === undefined) return { format };
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  const local = parsed !== undefined && ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
  if (parsed === undefined || !(parsed.protocol === "https:" || (parsed.protocol === "http:" && local))) {
    problems.push("ALERT_WEBHOOK_URL is not an https:// URL: no alerts are posted");
    return { format };
  }
  return { webhookUrl: value, format };
}
