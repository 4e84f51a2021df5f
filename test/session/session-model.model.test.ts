/**
 * A model-based property test of one follower's session (issue 8, section 5): fast-check generates random
 * interleavings of new questions (answers of random length, streamed at random speed by the Dify stand-in), "1",
 * `/clear`, unsubscribes, WeChat delivering an earlier message again, restarts of the object, extra alarm runs and, in
 * CS mode, WeChat's API refusing sends (40001, -1, 45047) or hanging on one. Each run uses a fresh follower; after it
 * the object is left to come to rest on its own alarms, the follower collects with "1" what waits for it, and the
 * invariants of ./model/invariants.ts are checked on everything the follower received: every answer whole, in order,
 * never twice (CS sends cut by a restart aside), never spliced; busy refusals and failure texts accounted for; at most
 * 1 + MAX_REASKS Dify calls per question and more than one only across restarts; nothing from before an unsubscribe
 * after it; every repeated request answered with the stored reply; at most 5 CS messages after one follower message;
 * no job or part left unfinished. The run's timing is real, so the checks use only what surely happened before what.
 *
 * Not covered: the stand-in answers a re-ask with the same text, so a re-asked answer cut at the old stream's offset
 * would look right; moderation's replacement (`[replace]`) is what changes a text under progressive delivery here.
 *
 * The same file runs in two projects (vitest.config.ts): "model" (pull mode) and "model-cs" (CS mode). Both use a
 * 500 ms WeChat request timeout (a 2 s window) and 512-byte parts, so long answers and their budgets fit in seconds.
 * Each project is its own runtime because a restart aborts every object in it.
 *
 * CI runs a few cases from fixed seeds. A larger run, or one seed again (MODEL_SHRINK=1 shrinks a failure):
 *   MODEL_RUNS=200 npm test -- --project model --project model-cs
 *   MODEL_SEED=20261202 MODEL_PATH=6 npm test -- --project model-cs   (the seed and path a failure printed)
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, it } from "vitest";
import { configFor, type AppEnv } from "../../src/config";
import { initialModel, sessionScripts } from "./model/commands";
import { checkRun } from "./model/invariants";
import { timeline } from "./model/timeline";
import { World } from "./model/world";

const settings = env as unknown as Record<string, string | undefined>;
const csMode = configFor(env as AppEnv).delivery.customMessages;
/** Cases per project in CI: each is a few seconds of real time. */
const CI_RUNS = 4;
const runs = Number(settings.MODEL_RUNS ?? "") || CI_RUNS;
const seed = Number(settings.MODEL_SEED ?? "") || (csMode ? 20_261_202 : 20_261_201);
/** A case costs up to a minute when a hung send and backoffs meet; shrinking re-runs many cases. */
const PER_RUN_MS = 60_000;

describe(`the follower's session in ${csMode ? "CS" : "pull"} mode`, () => {
  it(`delivers every answer whole, in order, once, and never gets stuck, over ${runs} random interleavings (seed ${seed})`, async () => {
    await fc.assert(
      // No bias toward tiny cases: with a handful of runs, each should be a full interleaving.
      fc.asyncProperty(fc.noBias(sessionScripts(csMode)), async (commands) => {
        const world = new World();
        await fc.asyncModelRun(() => ({ model: initialModel(csMode), real: world }), commands);
        const stuck = await world.settle();
        const record = await world.record(stuck);
        const verdict = checkRun(record);
        console.log(JSON.stringify({ event: "model_run", follower: world.openid, commands: String(commands), ...verdict.stats }));
        if (verdict.violations.length > 0) {
          throw new Error(`follower ${world.openid}:\n- ${verdict.violations.join("\n- ")}\n${timeline(record)}`);
        }
      }),
      { seed, path: settings.MODEL_PATH || undefined, numRuns: runs, endOnFailure: settings.MODEL_SHRINK !== "1", verbose: 1 },
    );
  }, runs * PER_RUN_MS * (settings.MODEL_SHRINK === "1" ? 20 : 1) + 60_000);
});
