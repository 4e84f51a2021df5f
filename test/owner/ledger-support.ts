/**
 * The account's alert ledger, read and aged from tests (it lives in the account's AccessTokenStore).
 */
import { env } from "cloudflare:workers";
import { tokenStoreName } from "../../src/accounts";
import { ALERT_LEDGER_KEY, type LedgerState } from "../../src/owner";

/** The account's alert ledger, as its AccessTokenStore keeps it. */
export async function ledgerOf(account: string): Promise<LedgerState | undefined> {
  const { runInDurableObject } = await import("cloudflare:test");
  return runInDurableObject(env.ACCESS_TOKEN_STORE.getByName(tokenStoreName(account)), (_instance, state) =>
    state.storage.kv.get<LedgerState>(ALERT_LEDGER_KEY),
  );
}

/** Moves every "last posted" time of the account's ledger back by `ms` (the alert window passing). */
export async function ageLedger(account: string, ms: number): Promise<void> {
  const { runInDurableObject } = await import("cloudflare:test");
  await runInDurableObject(env.ACCESS_TOKEN_STORE.getByName(tokenStoreName(account)), (_instance, state) => {
    const ledger = state.storage.kv.get<LedgerState>(ALERT_LEDGER_KEY);
    if (ledger === undefined) return;
    const posted = Object.fromEntries(Object.entries(ledger.posted).map(([kind, at]) => [kind, (at ?? 0) - ms]));
    state.storage.kv.put(ALERT_LEDGER_KEY, { ...ledger, posted });
  });
}

