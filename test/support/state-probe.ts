/**
 * Proves that a request left no trace for a follower: no Durable Object was created for the openid, its `jobs` table
 * is empty, and the Dify stand-in received no call for it. Used by the bad-input and fuzz tests, where "refused"
 * must also mean "changed nothing".
 */
import { env } from "cloudflare:workers";
import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { difyCalls } from "./dify-calls";

/** What one follower's state looks like from outside, as counted by {@link followerFootprint}. */
export interface FollowerFootprint {
  /** Whether the follower's Durable Object existed before the probe looked (looking creates it). */
  objectExisted: boolean;
  /** Rows in the follower's `jobs` table: one per distinct message the session admitted. */
  jobs: number;
  /** Calls of any kind (chat, uploads, info, ...) the Dify stand-in received with this openid as `user`. */
  difyCalls: number;
}

/** The footprint of a follower nothing ever reached. */
export const NO_FOOTPRINT: FollowerFootprint = { objectExisted: false, jobs: 0, difyCalls: 0 };

/** Whether `openid`'s Durable Object has been created. Does not create it. */
export async function followerObjectExists(openid: string): Promise<boolean> {
  const wanted = env.FOLLOWER_SESSION.idFromName(openid);
  const ids = await listDurableObjectIds(env.FOLLOWER_SESSION);
  return ids.some((id) => id.equals(wanted));
}

/**
 * Rows in `openid`'s `jobs` table. Calling this creates the (empty) object if it did not exist: the table is made in
 * the constructor, so the count is still a true 0 for a follower no request reached.
 */
export async function jobRows(openid: string): Promise<number> {
  return runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
    const row = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM jobs").one();
    return row.n;
  });
}

/** Everything a request could have left behind for `openid`; compare with {@link NO_FOOTPRINT}. */
export async function followerFootprint(openid: string): Promise<FollowerFootprint> {
  // Existence first: counting rows instantiates the object.
  const objectExisted = await followerObjectExists(openid);
  const jobs = await jobRows(openid);
  const calls = await difyCalls(openid);
  return { objectExisted, jobs, difyCalls: calls.length };
}
