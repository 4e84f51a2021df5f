/**
 * Several accounts in one deployment: how ACCOUNTS is read (./accounts.ts) and where each account's state lives.
 */
export { ACCOUNT_NAME, DEFAULT_ACCOUNT, IDENTITY_SETTINGS, SECRET_SETTINGS, accountSecretName } from "./accounts";
import { DEFAULT_ACCOUNT } from "./accounts";

/**
 * The name of a follower's Durable Object. The default account keeps the bare openid (objects written before there
 * were accounts stay where they are); a named account's followers are `<account>:<openid>`, so the same openid at two
 * accounts is two followers.
 */
export function followerObjectName(account: string, openid: string): string {
  return account === DEFAULT_ACCOUNT ? openid : `${account}:${openid}`;
}

/**
 * The name of an account's AccessTokenStore: one per account (each account has its own AppID and secret), the
 * default account's keeping the name it had before there were accounts.
 */
export function tokenStoreName(account: string): string {
  return account === DEFAULT_ACCOUNT ? "default" : `account:${account}`;
}
