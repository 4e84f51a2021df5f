import { describe, expect, it } from "vitest";
import { splitByUtf8Bytes, utf8Length } from "../../src/text/split.js";

const encoder = new TextEncoder();

/** Every part within budget, none blank, and the parts rebuild the input exactly. */
function expectWellFormed(text: string, parts: string[], maxBytes: number): void {
  expect(parts.join("")).toBe(text);
  for (const part of parts) {
    expect(utf8Length(part)).toBeLessThanOrEqual(maxBytes);
    expect(part.trim()).not.toBe("");
  }
}

/** A random string of `length` items drawn from `alphabet`. */
function randomText(random: () => number, alphabet: readonly string[], length: number): string {
  return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)] ?? "").join("");
}

/** A deterministic PRNG (mulberry32) so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Common Chinese characters to build answers from. */
const CHINESE = [
  "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种",
  "面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本",
  "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比",
  "或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总",
  "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做",
  "必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权",
  "收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信",
  "马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连",
  "断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存",
  "候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严",
].join("");

function chineseAnswer(length: number, random: () => number): string {
  let text = "";
  while (text.length < length) {
    const sentence = randomText(random, [...CHINESE], 8 + Math.floor(random() * 30));
    const end = random() < 0.7 ? "。" : random() < 0.5 ? "！" : "？";
    const comma = random() < 0.5 ? "，" : "";
    text += sentence.slice(0, sentence.length >> 1) + comma + sentence.slice(sentence.length >> 1) + end;
    if (random() < 0.15) text += "\n\n";
    else if (random() < 0.1) text += "\n";
  }
  return text.slice(0, length);
}

describe("utf8Length", () => {
  it("agrees with TextEncoder on ASCII, CJK, emoji and lone surrogates", () => {
    for (const text of ["", "abc", "é", "中文", "😀", "👩‍👩‍👧", "a\uD800b", "\uDC00", "x\uD83D"]) {
      expect(utf8Length(text)).toBe(encoder.encode(text).length);
    }
  });
});

describe("splitByUtf8Bytes", () => {
  it("returns a text within budget as one part", () => {
    expect(splitByUtf8Bytes("短消息")).toEqual(["短消息"]);
    expect(splitByUtf8Bytes("   ")).toEqual(["   "]);
  });

  it("returns no parts for an empty text", () => {
    expect(splitByUtf8Bytes("")).toEqual([]);
  });

  it("rejects a budget too small to hold every character", () => {
    expect(() => splitByUtf8Bytes("abc", 3)).toThrow(RangeError);
    expect(() => splitByUtf8Bytes("abc", 10.5)).toThrow(RangeError);
  });

  it("splits a 5000-character Chinese answer at 2048 bytes at sentence or paragraph ends", () => {
    const text = chineseAnswer(5000, prng(7));
    const parts = splitByUtf8Bytes(text, 2048);
    expectWellFormed(text, parts, 2048);
    expect(parts.length).toBeGreaterThanOrEqual(8);
    for (const part of parts.slice(0, -1)) expect(part).toMatch(/[。！？]\n*$|\n$/);
  });

  it("cuts Chinese text without any punctuation between characters, never inside one", () => {
    const text = "中".repeat(1000);
    const parts = splitByUtf8Bytes(text, 100);
    expectWellFormed(text, parts, 100);
    expect(parts[0]).toBe("中".repeat(33));
  });

  it("prefers a paragraph boundary over a later line boundary when the part is at least half full", () => {
    const text = `${"a".repeat(60)}\n\n${"b".repeat(20)}\n${"c".repeat(40)}`;
    expect(splitByUtf8Bytes(text, 100)).toEqual([`${"a".repeat(60)}\n\n`, `${"b".repeat(20)}\n${"c".repeat(40)}`]);
  });

  it("passes over an early paragraph boundary for a later line so parts stay full", () => {
    const text = `${"a".repeat(10)}\n\n${"b".repeat(70)}\n${"c".repeat(40)}`;
    expect(splitByUtf8Bytes(text, 100)).toEqual([`${"a".repeat(10)}\n\n${"b".repeat(70)}\n`, "c".repeat(40)]);
  });

  it("cuts after a sentence end before falling back to a space", () => {
    const text = "First sentence here. Second one goes on and on without stopping anywhere";
    const parts = splitByUtf8Bytes(text, 40);
    expect(parts).toEqual(["First sentence here. ", "Second one goes on and on without ", "stopping anywhere"]);
  });

  it("does not take a dot inside a number or domain for a sentence end", () => {
    const text = "Pi is 3.14159 and the host is example.com for sure";
    const parts = splitByUtf8Bytes(text, 16);
    expectWellFormed(text, parts, 16);
    expect(parts.some((part) => part.endsWith("3.") || part.endsWith("example."))).toBe(false);
  });

  it("keeps closing quotes with the sentence they end", () => {
    const text = `他说：“今天下雨了。”${"明".repeat(30)}`;
    expect(splitByUtf8Bytes(text, 40)[0]).toBe("他说：“今天下雨了。”");
  });

  it("never splits a surrogate pair or an emoji sequence at the boundary", () => {
    const family = "👩‍👩‍👧‍👦";
    const flag = "🇨🇳";
    const skin = "👍🏽";
    const keycap = "1️⃣";
    const combining = "e\u0301";
    for (const unit of [family, flag, skin, keycap, combining, "😀"]) {
      for (let padding = 0; padding < 8; padding += 1) {
        const text = "x".repeat(padding) + unit.repeat(12);
        const max = Math.max(utf8Length(unit), 4) + 3;
        const parts = splitByUtf8Bytes(text, max);
        expectWellFormed(text, parts, max);
        for (const part of parts) expect(part.replace(/^x+/, "").split(unit).join("")).toBe("");
      }
    }
  });

  it("splits a single character sequence longer than the budget at code points", () => {
    const zalgo = `a${"\u0301".repeat(50)}`;
    const parts = splitByUtf8Bytes(zalgo, 10);
    expectWellFormed(zalgo, parts.map((part) => part), 10);
  });

  it("keeps a URL that straddles the boundary whole", () => {
    const url = "https://example.com/a/very/long/path?query=value&other=1#fragment";
    const text = `${"说".repeat(20)}${url}${"完".repeat(20)}`;
    const parts = splitByUtf8Bytes(text, 100);
    expectWellFormed(text, parts, 100);
    expect(parts.some((part) => part.includes(url))).toBe(true);
  });

  it("keeps a URL after a space whole too", () => {
    const url = "https://dify.ai/docs/guides/application-publishing/developing-with-apis";
    const text = `See the docs at ${url} for details.`;
    const parts = splitByUtf8Bytes(text, 80);
    expectWellFormed(text, parts, 80);
    expect(parts[0]).toBe("See the docs at ");
    expect(parts[1]?.startsWith(url)).toBe(true);
  });

  it("cuts a URL longer than the budget only because it cannot fit", () => {
    const url = `https://example.com/${"p".repeat(200)}`;
    const parts = splitByUtf8Bytes(`go ${url}`, 64);
    expectWellFormed(`go ${url}`, parts, 64);
    expect(parts[0]).toBe("go ");
  });

  it("keeps every code line whole when each line fits", () => {
    const lines = Array.from({ length: 200 }, (_, n) => `    const value${n} = compute(${n}, "参数${n}"); // 注释`);
    const text = lines.join("\n");
    const parts = splitByUtf8Bytes(text, 512);
    expectWellFormed(text, parts, 512);
    for (const part of parts) {
      for (const line of part.replace(/\n$/, "").split("\n")) expect(lines).toContain(line);
    }
  });

  it("keeps the whitespace at a cut at the end of the earlier part", () => {
    const parts = splitByUtf8Bytes("alpha beta gamma delta", 12);
    expect(parts).toEqual(["alpha beta ", "gamma delta"]);
  });

  it("never leaves trailing whitespace as a part of its own", () => {
    const text = `${"a".repeat(90)}\n\n\n\n\n\n\n\n\n\n\n\n`;
    const parts = splitByUtf8Bytes(text, 95);
    expectWellFormed(text, parts, 95);
  });

  it("holds join and budget over many random strings", () => {
    const alphabet = ["a", "b", " ", "\n", "\n\n", "。", "，", "中", "文", ".", "!", "?", "😀", "👩‍💻", "e\u0301", "🇯🇵"];
    alphabet.push("https://x.io/p?q=1", "\t", "\r\n", "\uD800", "”");
    for (let seed = 1; seed <= 300; seed += 1) {
      const random = prng(seed);
      const length = Math.floor(random() * 200);
      const text = randomText(random, alphabet, length);
      const maxBytes = 4 + Math.floor(random() * 60);
      const parts = splitByUtf8Bytes(text, maxBytes);
      expect(parts.join(""), `seed ${seed}`).toBe(text);
      // A blank part is unavoidable only where a whitespace run and the character after it (at most 11 bytes
      // here: 👩‍💻) cannot share a part.
      const longBlankRun = new RegExp(`\\s{${Math.max(1, maxBytes - 11)},}`).test(text);
      for (const part of parts) {
        expect(utf8Length(part), `seed ${seed}`).toBeLessThanOrEqual(maxBytes);
        expect(part, `seed ${seed}`).not.toBe("");
        if (!longBlankRun) expect(part.trim(), `seed ${seed}`).not.toBe("");
      }
    }
  });

  it("over random multi-line texts, cuts only at line starts when every line fits, and never inside a URL", () => {
    const words = ["数据", "模型", "hello", "world", "。", "，", "！", " ", "https://example.com/path/to?x=1", "😀", "é"];
    for (let seed = 1; seed <= 150; seed += 1) {
      const random = prng(seed * 7919);
      const maxBytes = 64 + Math.floor(random() * 400);
      const lines = Array.from({ length: 5 + Math.floor(random() * 60) }, () => {
        let line = "";
        const target = Math.floor(random() * maxBytes * 0.9);
        for (;;) {
          const word = words[Math.floor(random() * words.length)] ?? "";
          if (utf8Length(line + word) > target) return line;
          line += word;
        }
      });
      const text = lines.join(random() < 0.5 ? "\n" : "\n\n");
      const parts = splitByUtf8Bytes(text, maxBytes);
      expectWellFormed(text, parts, maxBytes);
      let cut = 0;
      for (const part of parts.slice(0, -1)) {
        cut += part.length;
        expect(text.charAt(cut - 1), `seed ${seed} cut ${cut}`).toBe("\n");
      }
    }
  });

  it("over random single-line texts, never cuts inside a URL that fits", () => {
    const words = ["文字", "text ", "。", "https://dify.ai/a/b?c=d&e=f ", " www.example.org/x ", "，", "😀"];
    for (let seed = 1; seed <= 150; seed += 1) {
      const random = prng(seed * 104729);
      const text = randomText(random, words, 20 + Math.floor(random() * 200));
      const maxBytes = 32 + Math.floor(random() * 100);
      const parts = splitByUtf8Bytes(text, maxBytes);
      expectWellFormed(text, parts, maxBytes);
      const spans = [...text.matchAll(/(?:https:\/\/|www\.)\S+/g)].map((m) => [m.index, m.index + m[0].length]);
      let cut = 0;
      for (const part of parts.slice(0, -1)) {
        cut += part.length;
        for (const [from = 0, to = 0] of spans) expect(cut > from && cut < to, `seed ${seed} cut ${cut}`).toBe(false);
      }
    }
  });

  it("cuts a 60,000-letter run without spaces or :// into full parts", () => {
    const text = "a".repeat(60_000);
    const parts = splitByUtf8Bytes(text, 2048);
    expectWellFormed(text, parts, 2048);
    expect(parts.slice(0, -1).every((part) => part.length === 2048)).toBe(true);
  });

  it("keeps every flag whole in a run of 5,000 flags", () => {
    const text = "🇯🇵".repeat(5_000);
    const parts = splitByUtf8Bytes(text, 2048);
    expectWellFormed(text, parts, 2048);
    for (const part of parts) expect(part.length % 4).toBe(0);
  });

  it("never cuts inside a surrogate pair over random emoji-heavy strings", () => {
    const alphabet = ["😀", "🎉", "中", "a", " ", "👨‍👩‍👧", "🇺🇸", "\n"];
    for (let seed = 1; seed <= 200; seed += 1) {
      const random = prng(seed * 31);
      const text = randomText(random, alphabet, 50 + Math.floor(random() * 150));
      const maxBytes = 30 + Math.floor(random() * 50);
      const parts = splitByUtf8Bytes(text, maxBytes);
      expectWellFormed(text, parts, maxBytes);
      for (const part of parts) {
        expect(part, `seed ${seed}`).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$|^\u200D|\u200D$/);
      }
    }
  });
});
