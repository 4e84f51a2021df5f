import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { characterBoundaries, findUrlSpans, isCharacterBoundary } from "../../src/text/boundaries.js";

/** The pattern findUrlSpans used up to commit 4ea81a8: the reference its spans must still equal. */
const OLD_URL = /(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[!-~]+/gi;
const oldSpans = (text: string): Array<readonly [number, number]> =>
  [...text.matchAll(OLD_URL)].map((m) => [m.index, m.index + m[0].length] as const);

/** Pieces that make URLs, near-URLs and their surroundings likely in random strings. */
const URL_PIECES = ["://", "www.", "WWW.", "http", "a", "Z", "1", "+", ".", "-", ":", "/", " ", "\n", "中", "é", "_"];
const urlish = fc.array(fc.constantFrom(...URL_PIECES), { maxLength: 40 }).map((pieces) => pieces.join(""));

describe("findUrlSpans", () => {
  it("finds absolute URLs and www. hosts up to whitespace or non-ASCII text", () => {
    const text = "见 https://dify.ai/docs?x=1。再看www.example.org/a 或 ftp+x://h";
    const spans = findUrlSpans(text).map(([from, to]) => text.slice(from, to));
    expect(spans).toEqual(["https://dify.ai/docs?x=1", "www.example.org/a", "ftp+x://h"]);
  });

  it("starts a URL at the scheme's first letter and skips a scheme-less ://", () => {
    const text = "x 1+https://a.b 9://c ://d";
    expect(findUrlSpans(text).map(([from, to]) => text.slice(from, to))).toEqual(["https://a.b"]);
  });

  it("finds nothing in a 40,000-letter run without :// and only the URL after one", () => {
    const letters = "a".repeat(40_000);
    expect(findUrlSpans(letters)).toEqual([]);
    expect(findUrlSpans(`${letters} http://x.y`)).toEqual([[40_001, 40_011]]);
    // The scheme runs back over all the letters, exactly as the old pattern read it.
    expect(findUrlSpans(`${letters}://x`)).toEqual([[0, 40_004]]);
  });

  it("gives the same spans as the old pattern on random URL-like strings", () => {
    fc.assert(
      fc.property(urlish, (text) => {
        expect(findUrlSpans(text)).toEqual(oldSpans(text));
      }),
      { seed: 20261201, numRuns: 3000 },
    );
  });
});

describe("characterBoundaries", () => {
  const PIECES = ["🇯🇵", "🇺🇸", "🇫", "a", "e\u0301", "👩‍💻", "👍🏽", "\r\n", "\uD800", "\uDC00", "中", " "];

  it("agrees with isCharacterBoundary at every index of random emoji and flag strings", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }), (pieces) => {
        const text = pieces.join("");
        const all = characterBoundaries(text);
        expect(all.length).toBe(text.length + 1);
        for (let index = 0; index <= text.length; index += 1) {
          expect(all[index] === 1, `index ${index}`).toBe(isCharacterBoundary(text, index));
        }
      }),
      { seed: 7, numRuns: 1000 },
    );
  });

  it("keeps every flag whole in a run of 5,000 flags", () => {
    const text = "🇯🇵".repeat(5_000);
    const all = characterBoundaries(text);
    for (let index = 0; index <= text.length; index += 1) expect(all[index]).toBe(index % 4 === 0 ? 1 : 0);
  });
});
