/**
 * Streaming-first delivery stores parts full while WeChat's window is open (and for "1" after it): finished
 * paragraphs are grouped into whole parts and the unfilled rest waits for what finishes next, so an answer streamed
 * in small deltas is not cut into many small parts that would each cost the follower a reply or a "1".
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configFor, type AppEnv } from "../../src/config";
import { ProgressiveStream, fullPartsHead } from "../../src/session/progressive";
import { SessionStore } from "../../src/session/store";
import { runInDurableObject } from "cloudflare:test";
import { newOpenid } from "../support/dify-calls";
import { noteReserve } from "../../src/session/delivery-plan";
import { splitParagraphs } from "../../src/text/paragraphs";
import { utf8Length } from "../../src/text/split";

const config = configFor(env as AppEnv);
const limit = config.delivery.partMaxBytes - noteReserve(config);
const paragraph = (n: number, chars: number): string => `第${n}段` + "这是一句话。".repeat(Math.ceil(chars / 6)).slice(0, chars);

describe("splitParagraphs", () => {
  it("gives back the text when joined, for any text", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", " ", "\n", "```", "<think>", "</think>", "段"), { maxLength: 60 }), (pieces) => {
        const text = pieces.join("");
        expect(splitParagraphs(text).join("")).toBe(text);
      }),
      { seed: 20261202, numRuns: 500 },
    );
  });

  it("cuts at blank lines, never inside a code fence or reasoning", () => {
    const text = "one\n\n```\ncode\n\nmore code\n```\n\n<think>\na\n\nb\n</think>\n\ntwo\n\n";
    expect(splitParagraphs(text)).toEqual(["one\n\n", "```\ncode\n\nmore code\n```\n\n", "<think>\na\n\nb\n</think>\n\n", "two\n\n"]);
  });
});

describe("fullPartsHead", () => {
  it("keeps back what does not fill a part yet", () => {
    const small = [1, 2].map((n) => paragraph(n, 100)).join("\n\n") + "\n\n";
    expect(fullPartsHead(small, config)).toBe("");
  });

  it("takes the paragraphs that fill whole parts and leaves the last, unfilled group", () => {
    // Paragraphs of ~450 bytes: four fill a part, the fifth starts the next one.
    const paragraphs = [1, 2, 3, 4, 5, 6].map((n) => `${paragraph(n, 150)}\n\n`);
    const done = paragraphs.join("");
    const head = fullPartsHead(done, config);
    expect(head.length).toBeGreaterThan(0);
    expect(done.startsWith(head)).toBe(true);
    expect(utf8Length(head)).toBeGreaterThan(limit * 0.7);
    expect(utf8Length(head)).toBeLessThanOrEqual(limit);
  });

  it("takes a group that nearly fills a part without waiting for the paragraph after it", () => {
    // Four paragraphs of ~23% of a part each: 92% of it, full enough; a fifth would overfill it anyway.
    const bytesPerChar = 3;
    const chars = Math.floor((limit * 0.23) / bytesPerChar);
    const done = [1, 2, 3, 4].map((n) => `${paragraph(n, chars)}\n\n`).join("");
    expect(fullPartsHead(done, config)).toBe(done);
    // Three of them (69%) are not: they wait for what finishes next.
    const three = [1, 2, 3].map((n) => `${paragraph(n, chars)}\n\n`).join("");
    expect(fullPartsHead(three, config)).toBe("");
  });

  it("takes one long paragraph that overfills a part on its own", () => {
    const long = `${paragraph(1, 2000)}\n\n`;
    expect(fullPartsHead(long, config)).toBe(long);
  });
});

describe("STREAMING_FIRST", () => {
  async function partsStoredWhileWriting(streamingFirst: boolean): Promise<number> {
    const settings = { ...config, delivery: { ...config.delivery, streamingFirst } };
    const openid = newOpenid(`streaming-first-${streamingFirst}`);
    return runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
      const store = new SessionStore(state.storage.sql);
      const key = `msg|${openid}|1|1`;
      store.insertJob({ key, kind: "ask", work: "{}", firstSeen: Date.now(), status: "running" });
      const stream = new ProgressiveStream(key);
      let text = "";
      for (let n = 1; n <= 8; n++) {
        const delta = `${paragraph(n, 300)}\n\n`;
        text += delta;
        stream.onText(store, text, settings, delta);
      }
      stream.takeFinished(store, settings);
      return store.parts(key).length;
    });
  }

  it("stores finished parts while WeChat's window is open when on (the default)", async () => {
    expect(await partsStoredWhileWriting(true)).toBeGreaterThan(1);
  });

  it("stores nothing before the answer ends when off, as before the answer page", async () => {
    expect(await partsStoredWhileWriting(false)).toBe(0);
  });
});

describe("a first part that nearly fills a part", () => {
  it("is stored as soon as its last paragraph ends, while the answer streams", async () => {
    // Found by the time-to-first-content benchmark: the scanner was asked for a whole part of raw text before the
    // 90% rule could apply, so the first part waited for one more paragraph and missed WeChat's second request.
    const openid = newOpenid("nearly-full");
    const chars = Math.floor((limit * 0.23) / 3);
    const stored = await runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
      const store = new SessionStore(state.storage.sql);
      const key = `msg|${openid}|1|1`;
      store.insertJob({ key, kind: "ask", work: "{}", firstSeen: Date.now(), status: "running" });
      const stream = new ProgressiveStream(key);
      let text = "";
      for (let n = 1; n <= 4; n++) {
        const delta = `${paragraph(n, chars)}\n\n`;
        text += delta;
        stream.onText(store, text, config, delta);
      }
      return store.parts(key).map((p) => p.via);
    });
    expect(stored).toEqual([null]);
  });
});
