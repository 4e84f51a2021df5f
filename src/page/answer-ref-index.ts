/**
 * The ANSWER_REFS index: one tiny Durable Object per answer ref, named by the ref, that says which follower's object
 * holds the answer. A ref carries no openid, so without this the page could not find the answer; with one object per
 * ref, nothing ever lists refs, and an entry is deleted by its own alarm when its answer is no longer kept.
 */
import { DurableObject } from "cloudflare:workers";
import type { AppEnv } from "../config";
import { isAnswerRef, type AnswerRefIndex } from "./contract";

/** Storage key of the one entry. */
const ENTRY = "entry";

interface Entry {
  objectName: string;
  keepUntil: number;
}

/** One ref's entry: which follower object holds the answer, until when. */
export class AnswerRefs extends DurableObject<AppEnv> implements AnswerRefIndex {
  /**
   * Records which follower object holds the ref until `keepUntil` (ms since epoch); registering again moves it.
   * @throws TypeError when the name is empty or the time is not a finite number
   */
  async register(objectName: string, keepUntil: number): Promise<void> {
    checkEntry(objectName, keepUntil);
    const entry: Entry = { objectName, keepUntil };
    this.ctx.storage.kv.put(ENTRY, entry);
    await this.ctx.storage.setAlarm(keepUntil);
  }

  /** The follower object's name, or null when the ref is unknown or past its keepUntil. Only reads. */
  async lookup(): Promise<string | null> {
    const entry = this.ctx.storage.kv.get<Entry>(ENTRY);
    if (entry === undefined || entry.keepUntil <= Date.now()) return null;
    return entry.objectName;
  }

  /** At keepUntil the entry goes, and with it everything this object stored. */
  override async alarm(): Promise<void> {
    const entry = this.ctx.storage.kv.get<Entry>(ENTRY);
    // Registered again for longer since this alarm was set: wait for the new time.
    if (entry !== undefined && entry.keepUntil > Date.now()) {
      await this.ctx.storage.setAlarm(entry.keepUntil);
      return;
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}

/**
 * Records in the index that the follower object `objectName` holds the answer behind `ref` until `keepUntil`
 * (ms since epoch). Call it when the ref is made, before any link to it leaves.
 * @throws TypeError when `ref` is not a ref (see newAnswerRef), the name is empty or the time is not a number
 */
export async function registerAnswerRef(
  env: Pick<AppEnv, "ANSWER_REFS">,
  ref: string,
  objectName: string,
  keepUntil: number,
): Promise<void> {
  if (!isAnswerRef(ref)) throw new TypeError("registerAnswerRef: not an answer ref");
  checkEntry(objectName, keepUntil);
  await env.ANSWER_REFS.getByName(ref).register(objectName, keepUntil);
}

/** The follower object's name for `ref`, or null (an unknown ref creates nothing). Check isAnswerRef first. */
export async function lookupAnswerRef(env: Pick<AppEnv, "ANSWER_REFS">, ref: string): Promise<string | null> {
  return env.ANSWER_REFS.getByName(ref).lookup();
}

function checkEntry(objectName: string, keepUntil: number): void {
  if (typeof objectName !== "string" || objectName === "") throw new TypeError("answer ref: objectName is empty");
  if (typeof keepUntil !== "number" || !Number.isFinite(keepUntil)) throw new TypeError("answer ref: keepUntil is not a time");
}
