import { describe, expect, it } from "vitest";
import { MAX_TIMESTAMP_SKEW_SECONDS, isFreshTimestamp } from "../../src/wechat/freshness";

const NOW_MS = 1_800_000_000_500; // half a second into second 1_800_000_000
const NOW = 1_800_000_000;

describe("isFreshTimestamp", () => {
  it("allows 300 s either way and refuses 301", () => {
    expect(MAX_TIMESTAMP_SKEW_SECONDS).toBe(300);
    expect(isFreshTimestamp(String(NOW), NOW_MS)).toBe(true);
    expect(isFreshTimestamp(String(NOW - 300), NOW_MS)).toBe(true);
    expect(isFreshTimestamp(String(NOW + 300), NOW_MS)).toBe(true);
    expect(isFreshTimestamp(String(NOW - 301), NOW_MS)).toBe(false);
    expect(isFreshTimestamp(String(NOW + 301), NOW_MS)).toBe(false);
  });

  it("refuses anything that is not plain digits", () => {
    for (const bad of ["", " 1800000000", "1800000000 ", "+1800000000", "-1800000000", "1800000000.0", "1.8e9", "0x6B49D200", "１８００００００００"]) {
      expect(isFreshTimestamp(bad, NOW_MS), JSON.stringify(bad)).toBe(false);
    }
    expect(isFreshTimestamp(null, NOW_MS)).toBe(false);
    expect(isFreshTimestamp(undefined, NOW_MS)).toBe(false);
  });

  it("refuses milliseconds and absurdly long digit strings", () => {
    expect(isFreshTimestamp(String(NOW_MS), NOW_MS)).toBe(false);
    expect(isFreshTimestamp(`${"0".repeat(40)}${NOW}`, NOW_MS)).toBe(false);
  });
});
