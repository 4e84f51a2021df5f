import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { lookupAnswerRef, registerAnswerRef } from "../../src/page/answer-ref-index.js";
import { newAnswerRef } from "../../src/page/contract.js";

describe("the ANSWER_REFS index: one object per ref", () => {
  it("tells which follower object holds a registered ref", async () => {
    const ref = newAnswerRef();
    await registerAnswerRef(env, ref, "default:o-follower-1", Date.now() + 60_000);
    expect(await lookupAnswerRef(env, ref)).toBe("default:o-follower-1");
  });

  it("knows nothing of an unknown ref, and stores nothing when asked", async () => {
    const ref = newAnswerRef();
    expect(await lookupAnswerRef(env, ref)).toBeNull();
    const stub = env.ANSWER_REFS.getByName(ref);
    await runInDurableObject(stub, async (_instance, state) => {
      expect(await state.storage.list()).toEqual(new Map());
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("forgets a ref past its keepUntil at once, and deletes it at its alarm", async () => {
    const ref = newAnswerRef();
    const keepUntil = Date.now() + 60_000;
    await registerAnswerRef(env, ref, "default:o-follower-2", keepUntil);
    const stub = env.ANSWER_REFS.getByName(ref);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(keepUntil);
    // Time passes: the entry is older than keepUntil.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.kv.put("entry", { objectName: "default:o-follower-2", keepUntil: Date.now() - 1 });
    });
    expect(await lookupAnswerRef(env, ref)).toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, async (_instance, state) => {
      expect(await state.storage.list()).toEqual(new Map());
    });
  });

  it("keeps a ref registered again for longer when the first alarm fires", async () => {
    const ref = newAnswerRef();
    await registerAnswerRef(env, ref, "default:o-follower-3", Date.now() + 1_000);
    await registerAnswerRef(env, ref, "default:o-follower-3", Date.now() + 3_600_000);
    await runDurableObjectAlarm(env.ANSWER_REFS.getByName(ref));
    expect(await lookupAnswerRef(env, ref)).toBe("default:o-follower-3");
  });

  it("refuses what is not a ref or not an entry before asking the index", async () => {
    await expect(registerAnswerRef(env, "not-a-ref", "x", Date.now() + 1000)).rejects.toThrow(TypeError);
    await expect(registerAnswerRef(env, newAnswerRef(), "", Date.now() + 1000)).rejects.toThrow(/objectName/);
    await expect(registerAnswerRef(env, newAnswerRef(), "x", Number.NaN)).rejects.toThrow(/keepUntil/);
  });
});
