/**
 * Progressive delivery (CS mode, answer already late): finished paragraphs go out while the rest is still being
 * written, so the follower reads the first part seconds after it is done instead of at the end.
 */
import type { Config } from "../config";
import { takeFinishedParagraphs } from "../text/split";
import { stripThinking } from "../text/markdown";
import { answerParts, csBudget, resetCsBudget } from "./delivery-plan";
import type { SessionStore } from "./store";

/** Finished paragraphs are sent once they fill at least this share of a part, so the 5-message budget lasts. */
const MIN_SHARE_OF_PART = 0.5;

/**
 * Queues the finished head of a still-streaming answer for CS, keeping at least one CS message for the rest.
 * Returns how many parts were queued (0 when nothing is ready or allowed yet).
 */
export function queueFinishedParagraphs(store: SessionStore, key: string, textSoFar: string, config: Config): number {
  if (!config.delivery.customMessages) return 0;
  const job = store.job(key);
  if (!job || !job.windowClosed || job.status !== "running") return 0;
  if (csBudget(store) < 2) return 0;
  // Never cut while the model is still "thinking": the reasoning is dropped, the answer has not started.
  if (textSoFar.lastIndexOf("<think>") > textSoFar.lastIndexOf("</think>")) return 0;
  const minBytes = Math.floor(config.delivery.partMaxBytes * MIN_SHARE_OF_PART);
  const { done } = takeFinishedParagraphs(textSoFar.slice(job.progressOffset), minBytes);
  if (done === "") return 0;
  const parts = answerParts(stripThinking(done), config).slice(0, csBudget(store) - 1);
  if (parts.length === 0) return 0;
  store.appendParts(key, parts, "cs-queued");
  store.updateJob(key, { progressOffset: job.progressOffset + done.length });
  resetCsBudget(store, csBudget(store) - parts.length);
  return parts.length;
}
