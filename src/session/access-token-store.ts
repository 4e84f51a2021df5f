/**
 * The one Durable Object per account that holds WeChat's access token, so every follower's session shares a
 * single token instead of each Worker instance fetching (and, with force_refresh, invalidating) its own.
 */
import { DurableObject } from "cloudflare:workers";
import { configFor } from "../config";
import { withLogFields } from "../log";
import { DEFAULT_ACCOUNT, tokenStoreName } from "../accounts";
import { fetchStableToken, type StableToken } from "../wechat/access-token";
import { WechatApiError } from "../wechat/api-errors";
import { AlertLedger, type DifyOutcome } from "../owner";

/** The name of the default account's instance (see tokenStoreName in src/accounts for the others). */
export const ACCESS_TOKEN_STORE_NAME = tokenStoreName(DEFAULT_ACCOUNT);
/** A cached token this close to expiry is replaced (WeChat's stable_token renews 5 min early too). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** Storage key of the cached {token, expiresAt}. */
const STORAGE_KEY = "token";
/** After a forced refresh failed, the next one is tried no sooner than this (WeChat allows 20 forced refreshes a day). */
export const FORCED_REFRESH_RETRY_MS = 30_000;
/** WeChat's own code for "secret missing", so callers treat a missing WECHAT_APP_SECRET like any "stop" error. */
const ERRCODE_SECRET_MISSING = 41004;

/** Caches the stable access token in storage and refreshes it early, or at once when WeChat rejects it. */
export class AccessTokenStore extends DurableObject<Env> {
  #cached: StableToken | undefined;
  /** The fetch every concurrent caller waits on, so a burst of callers costs one stable_token call. */
  #inflight: Promise<StableToken> | undefined;
  /**
   * The last token we force-refreshed away, so a burst of reports about it forces only once (20 a day max). Set only
   * once the refresh succeeded: a failed one must not pin the rejected token.
   */
  #forcedFor: string | undefined;
  /** A forced refresh of this token failed at this time: the next caller retries it after FORCED_REFRESH_RETRY_MS. */
  #forceFailed: { token: string | undefined; at: number; error: unknown } | undefined;
  /** The account whose AppID and secret this store uses (one store per account: tokenStoreName). */
  #account: string = DEFAULT_ACCOUNT;
  /** The account's alert record (src/owner/alert-ledger.ts): a failed stable_token call may be one to tell. */
  readonly #alerts = new AlertLedger(this.ctx.storage.kv, { waitUntil: (promise) => this.ctx.waitUntil(promise) });

  /** Loads the cached token; SQLite-backed storage reads synchronously, so no input gate is needed. */
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#cached = ctx.storage.kv.get<StableToken>(STORAGE_KEY);
  }

  /**
   * Returns a valid token: the cached one unless it expires within 5 minutes, else a freshly fetched one (normal
   * mode). `rejected` is the token WeChat just refused (40001/40014/42001); if it is still the cached one, a new one
   * is fetched with force_refresh, once per rejected token however many callers report it. Concurrent callers share
   * one in-flight fetch. `account` names the account whose AppID and secret fetch the token (the caller reached this
   * store by that account's name, so it is always the same one). Throws WechatApiError (across RPC only its message
   * survives: `WechatApiError.from` revives it).
   */
  async getToken(rejected?: string, account: string = DEFAULT_ACCOUNT): Promise<string> {
    this.#account = account;
    return withLogFields({ account }, () => this.#getToken(rejected));
  }

  /**
   * How a follower's Dify call ended, for the account's alerts (src/owner/dify-watch.ts reports it; nobody awaits
   * it). Returns the failure streak.
   */
  async noteDifyOutcome(account: string, outcome: DifyOutcome): Promise<number> {
    return withLogFields({ account }, () => this.#alerts.noteDify(configFor(this.env, account), outcome));
  }

  /**
   * WeChat's API refused one of a follower's sends in a way the owner must fix (src/owner/wechat-watch.ts reports
   * it; nobody awaits it). `message` is the refusal's message, which carries its errcode. Returns whether it posted.
   */
  async noteWechatFailure(account: string, message: string): Promise<boolean> {
    return withLogFields({ account }, () => this.#alerts.noteWechatError(configFor(this.env, account), new Error(message)));
  }

  async #getToken(rejected: string | undefined): Promise<string> {
    while (this.#inflight !== undefined) {
      const fresh = await this.#inflight;
      if (fresh.token !== rejected) return fresh.token;
    }
    const cached = this.#cached;
    const stale = cached === undefined || cached.expiresAt - REFRESH_MARGIN_MS <= Date.now();
    const isRejected = rejected !== undefined && cached?.token === rejected;
    const force = isRejected && this.#forcedFor !== rejected;
    if (!stale && !force) return cached.token;
    const failed = this.#forceFailed;
    if (force && failed !== undefined && failed.token === rejected && Date.now() - failed.at < FORCED_REFRESH_RETRY_MS) {
      // WeChat refused this token and the refresh just failed: say so rather than hand out the refused token.
      throw failed.error;
    }
    return (await this.#refresh(force)).token;
  }

  /** Starts the shared fetch; must be called with no await between the caller's checks and here. */
  #refresh(force: boolean): Promise<StableToken> {
    const { apiBase, appId, appSecret } = configFor(this.env, this.#account).wechat;
    if (appSecret === undefined) {
      return Promise.reject(new WechatApiError(
        ERRCODE_SECRET_MISSING,
        "WECHAT_APP_SECRET is not set; the customer-service API needs it (wrangler secret put WECHAT_APP_SECRET)",
      ));
    }
    const refusedToken = this.#cached?.token;
    const fetching = fetchStableToken({
      apiBase,
      appId,
      appSecret,
      forceRefresh: force,
    }).then(
      (fresh) => {
        if (force) this.#forcedFor = refusedToken;
        this.#forceFailed = undefined;
        this.#cached = fresh;
        this.ctx.storage.kv.put(STORAGE_KEY, fresh);
        return fresh;
      },
      (error: unknown) => {
        if (force) this.#forceFailed = { token: refusedToken, at: Date.now(), error };
        this.#alerts.noteWechatError(configFor(this.env, this.#account), error);
        throw error;
      },
    );
    const shared = fetching.finally(() => {
      this.#inflight = undefined;
    });
    this.#inflight = shared;
    return shared;
  }
}

/** The `getToken` a WechatApiClient needs, backed by the account's own AccessTokenStore. */
export function accessTokenGetter(env: Env, account: string = DEFAULT_ACCOUNT): (rejected?: string) => Promise<string> {
  const stub = env.ACCESS_TOKEN_STORE.getByName(tokenStoreName(account));
  return async (rejected?: string) => stub.getToken(rejected, account);
}
