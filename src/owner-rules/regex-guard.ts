/**
 * Keeps an owner's regex from hanging a callback. JavaScript cannot stop a running regex, so the cost is bounded
 * before it runs: patterns whose backtracking can grow exponentially (a repeated group that itself repeats or has
 * alternatives, backreferences) are refused, at most {@link MAX_REPEATS} repeating quantifiers are allowed (each one
 * multiplies the work by the input's length), and a regex only ever sees {@link REGEX_INPUT_MAX_CHARS} characters.
 * Within those bounds the slowest pattern takes tens of milliseconds.
 */

/** Messages longer than this are not tried against regex rules (exact and contains rules still apply). */
export const REGEX_INPUT_MAX_CHARS = 160;
/** Repeating quantifiers (`*`, `+`, `{n,}`, `{n,m}` with m > n) one pattern may have. */
export const MAX_REPEATS = 3;

/** A group being read: whether anything inside it repeats or has alternatives. */
interface Frame {
  quantified: boolean;
  alternation: boolean;
}

/** The quantifier at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each maybe lazy), or undefined. */
function quantifierAt(source: string, i: number): { min: number; max: number; length: number } | undefined {
  const c = source[i];
  let q: { min: number; max: number; length: number } | undefined;
  if (c === "*") q = { min: 0, max: Infinity, length: 1 };
  else if (c === "+") q = { min: 1, max: Infinity, length: 1 };
  else if (c === "?") q = { min: 0, max: 1, length: 1 };
  else if (c === "{") {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (m === null) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
    q = { min, max, length: m[0].length };
  }
  if (q !== undefined && source[i + q.length] === "?") q.length += 1; // lazy
  return q;
}

/** Where the character class opening at `i` ends (the index after its `]`). */
function classEnd(source: string, i: number): number {
  let j = i + 1;
  if (source[j] === "^") j++;
  while (j < source.length && source[j] !== "]") j += source[j] === "\\" ? 2 : 1;
  return j + 1;
}

/** How long the escape at `i` is: `\p{…}`, `\u{…}` and `\x..`-style escapes are one atom. */
function escapeLength(source: string, i: number): number {
  const next = source[i + 1];
  if ((next === "p" || next === "P" || next === "u") && source[i + 2] === "{") {
    const close = source.indexOf("}", i + 3);
    return close < 0 ? 2 : close - i + 1;
  }
  return 2;
}

/** How many characters of a group's opening `(`, `(?:`, `(?=`, `(?<name>`… are syntax rather than content. */
function groupPrefixLength(source: string, i: number): number {
  if (source[i + 1] !== "?") return 1;
  if (source[i + 2] === "<" && source[i + 3] !== "=" && source[i + 3] !== "!") {
    const close = source.indexOf(">", i + 3);
    return close < 0 ? 2 : close - i + 1;
  }
  return source[i + 2] === "<" ? 4 : 3;
}

/**
 * Why `source` (a pattern that already compiles with the `u` flag) could take too long on a short text, or
 * undefined when it cannot.
 */
export function slowPatternReason(source: string): string | undefined {
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  let last: Frame | "atom" | undefined;
  let repeats = 0;
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    const top = stack[stack.length - 1]!;
    if (c === "\\") {
      if (/[1-9]/.test(source[i + 1] ?? "") || source[i + 1] === "k") return "it uses a backreference";
      i += escapeLength(source, i);
      last = "atom";
    } else if (c === "[") {
      i = classEnd(source, i);
      last = "atom";
    } else if (c === "(") {
      stack.push({ quantified: false, alternation: false });
      i += groupPrefixLength(source, i);
      last = undefined;
    } else if (c === ")") {
      const inner = stack.length > 1 ? stack.pop()! : top;
      const parent = stack[stack.length - 1]!;
      parent.quantified ||= inner.quantified;
      parent.alternation ||= inner.alternation;
      i += 1;
      last = inner;
    } else if (c === "|") {
      top.alternation = true;
      i += 1;
      last = undefined;
    } else {
      const q = quantifierAt(source, i);
      if (q === undefined) {
        i += 1;
        last = "atom";
        continue;
      }
      if (q.max > q.min) repeats += 1;
      if (typeof last === "object" && q.max > 1 && (last.quantified || last.alternation)) {
        return "a repeated group contains a quantifier or | (write [ab]+ rather than (a|b)+, a+ rather than (a+)+)";
      }
      top.quantified = true;
      i += q.length;
      last = undefined;
    }
  }
  if (repeats > MAX_REPEATS) return `it has more than ${MAX_REPEATS} repeating quantifiers (*, +, {n,m})`;
  return undefined;
}
