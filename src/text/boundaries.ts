/**
 * Where a long text may be cut without breaking what a reader sees: never between the halves of a surrogate pair,
 * never inside a user-perceived character (combining marks, emoji ZWJ sequences, skin tones, flags, keycaps), never
 * inside a URL (a cut URL stops working in the chat). Also the kinds of place a cut reads best at.
 */

/** Code points that attach to the one before them, so a cut just before them would split a character. */
const ATTACHES_TO_PREVIOUS = /^[\p{M}\u200D\uFE00-\uFE0F\u{E0100}-\u{E01EF}\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}]$/u;
const REGIONAL_INDICATOR = /^[\u{1F1E6}-\u{1F1FF}]$/u;
/** Runs of printable ASCII: a URL ends at whitespace or at the first non-ASCII character (CJK text after it). */
const PRINTABLE_RUN = /[!-~]+/g;
const WWW = /www\./i;

/** Sentence ends that need no space after them (CJK full-width punctuation). */
const CJK_SENTENCE_END = new Set(["。", "！", "？", "；", "…", "｡"]);
/** Sentence ends that count only before whitespace, so "3.14", "a.com" and "e.g." mid-word are not cuts. */
const ASCII_SENTENCE_END = new Set([".", "!", "?", ";"]);
const CJK_CLAUSE_END = new Set(["，", "、", "：", "､"]);
const ASCII_CLAUSE_END = new Set([",", ":"]);
/** Closing quotes and brackets that belong to the sentence they end. */
const CLOSERS = new Set(['"', "'", ")", "]", "”", "’", "）", "」", "』", "】", "》", "〉", "〕"]);

/** True when a cut at `index` splits no code point and no user-perceived character. */
export function isCharacterBoundary(text: string, index: number): boolean {
  return boundaryAt(text, index, () => regionalIndicatorsBefore(text, index));
}

/**
 * `isCharacterBoundary` for every index 0…text.length at once (1 = boundary), in one pass: asking index by index
 * walks back over a whole run of flags each time, which is quadratic in the run's length.
 */
export function characterBoundaries(text: string): Uint8Array {
  const result = new Uint8Array(text.length + 1);
  // Regional indicators in a row just before `index`.
  let run = 0;
  let index = 0;
  while (index <= text.length) {
    const before = run;
    result[index] = boundaryAt(text, index, () => before) ? 1 : 0;
    if (index === text.length) break;
    const units = codePointAt(text, index).length || 1;
    run = REGIONAL_INDICATOR.test(text.slice(index, index + units)) ? run + 1 : 0;
    // The middle of a surrogate pair is never a boundary.
    for (let inner = 1; inner < units; inner += 1) result[index + inner] = 0;
    index += units;
  }
  return result;
}

function boundaryAt(text: string, index: number, regionalIndicatorsBeforeIndex: () => number): boolean {
  if (index <= 0 || index >= text.length) return true;
  if (isLowSurrogateAt(text, index) && isHighSurrogateAt(text, index - 1)) return false;
  if (text.charAt(index - 1) === "\r" && text.charAt(index) === "\n") return false;
  const next = codePointAt(text, index);
  const previous = codePointBefore(text, index);
  if (ATTACHES_TO_PREVIOUS.test(next) || previous === "\u200D") return false;
  // Flags are pairs of regional indicators: a cut between them is fine only after an even number.
  if (REGIONAL_INDICATOR.test(previous) && REGIONAL_INDICATOR.test(next)) {
    return regionalIndicatorsBeforeIndex() % 2 === 0;
  }
  return true;
}

/** True when a cut at `index` splits no code point (the last resort when one character alone is too long). */
export function isCodePointBoundary(text: string, index: number): boolean {
  return !(index > 0 && index < text.length && isLowSurrogateAt(text, index) && isHighSurrogateAt(text, index - 1));
}

/**
 * [start, end) index ranges of the URLs in `text`, in order: absolute URLs (`scheme://…`) and `www.` hosts, each
 * running to the end of its run of printable ASCII. Linear in the length of `text`.
 *
 * Same spans as the pattern `/(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[!-~]+/gi`, which is quadratic on a long run of letters
 * without `://` (it retries the scheme from every letter). Since a match always extends to the end of its printable
 * run, each run holds at most one URL, starting at the earliest place either form can start; that place is found
 * from the `://` and `www.` occurrences instead.
 */
export function findUrlSpans(text: string): Array<readonly [number, number]> {
  const spans: Array<readonly [number, number]> = [];
  for (const run of text.matchAll(PRINTABLE_RUN)) {
    const start = urlStartIn(run[0]);
    if (start !== undefined) spans.push([run.index + start, run.index + run[0].length]);
  }
  return spans;
}

/** Where the URL in a run of printable ASCII starts, if the run holds one. */
function urlStartIn(run: string): number | undefined {
  const www = WWW.exec(run)?.index;
  // "www." needs at least one character after it; a later "www." could not have one either.
  const wwwStart = www !== undefined && www + 4 < run.length ? www : undefined;
  const schemeStart = firstSchemeStart(run, wwwStart ?? run.length);
  return schemeStart ?? wwwStart;
}

/**
 * The earliest start (before `before`) of `scheme://x`, where a scheme is a letter and then letters, digits, `+`, `.`
 * or `-`. The scheme characters before each `://` are walked once: the next `://` lies past them.
 */
function firstSchemeStart(run: string, before: number): number | undefined {
  let from = 0;
  for (let at = run.indexOf("://"); at !== -1 && at + 3 < run.length; at = run.indexOf("://", at + 3)) {
    let start: number | undefined;
    for (let index = at - 1; index >= from && isSchemeChar(run.charCodeAt(index)); index -= 1) {
      if (isAsciiLetter(run.charCodeAt(index))) start = index;
    }
    if (start !== undefined) return start < before ? start : undefined;
    if (at >= before) return undefined;
    from = at + 3;
  }
  return undefined;
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isSchemeChar(code: number): boolean {
  return isAsciiLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2e || code === 0x2d;
}

/** True when `index` falls strictly inside one of the (ordered) spans. */
export function isInsideSpan(spans: ReadonlyArray<readonly [number, number]>, index: number): boolean {
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const span = spans[middle];
    if (span === undefined) return false;
    if (index <= span[0]) high = middle - 1;
    else if (index >= span[1]) low = middle + 1;
    else return true;
  }
  return false;
}

/** A cut at `index` starts a new paragraph: it follows a blank line. */
export function isParagraphStart(text: string, index: number): boolean {
  if (text.charAt(index - 1) !== "\n") return false;
  let at = index - 2;
  while (at >= 0 && (text.charAt(at) === " " || text.charAt(at) === "\t" || text.charAt(at) === "\r")) at -= 1;
  return at >= 0 && text.charAt(at) === "\n";
}

/** A cut at `index` starts a new line. */
export function isLineStart(text: string, index: number): boolean {
  return text.charAt(index - 1) === "\n";
}

/** A cut at `index` follows a sentence end (and the closing quotes and spaces after it). */
export function isAfterSentenceEnd(text: string, index: number): boolean {
  return isAfterPunctuation(text, index, CJK_SENTENCE_END, ASCII_SENTENCE_END);
}

/** A cut at `index` follows a clause end (commas, colons), the next best thing in long CJK sentences. */
export function isAfterClauseEnd(text: string, index: number): boolean {
  return isAfterPunctuation(text, index, CJK_CLAUSE_END, ASCII_CLAUSE_END);
}

/** A cut at `index` follows whitespace and precedes a word. */
export function isWordStart(text: string, index: number): boolean {
  return isBlank(text.charAt(index - 1)) && !isBlank(text.charAt(index));
}

function isAfterPunctuation(
  text: string,
  index: number,
  cjk: ReadonlySet<string>,
  ascii: ReadonlySet<string>,
): boolean {
  const next = text.charAt(index);
  // Cut after the whole run of punctuation and spaces, never between "！" and "」" or inside "……".
  if (index < text.length && (isBlank(next) || CLOSERS.has(next) || cjk.has(next) || ascii.has(next))) return false;
  let at = index - 1;
  const spacesEnd = at;
  while (at >= 0 && isBlank(text.charAt(at))) at -= 1;
  const spaced = at < spacesEnd;
  while (at >= 0 && CLOSERS.has(text.charAt(at))) at -= 1;
  const mark = text.charAt(at);
  return cjk.has(mark) || (spaced && ascii.has(mark));
}

function isBlank(char: string): boolean {
  const code = char.charCodeAt(0);
  // Printable ASCII and the CJK blocks hold no whitespace: skip the regex for the characters answers are made of.
  if ((code > 0x20 && code < 0x7f) || (code > 0x3000 && code < 0xfeff)) return false;
  return char !== "" && /\s/.test(char);
}

function regionalIndicatorsBefore(text: string, index: number): number {
  let count = 0;
  let at = index;
  while (at >= 2 && REGIONAL_INDICATOR.test(text.slice(at - 2, at))) {
    count += 1;
    at -= 2;
  }
  return count;
}

function codePointAt(text: string, index: number): string {
  const code = text.codePointAt(index);
  return code === undefined ? "" : String.fromCodePoint(code);
}

function codePointBefore(text: string, index: number): string {
  const pair = index >= 2 && isLowSurrogateAt(text, index - 1) && isHighSurrogateAt(text, index - 2);
  return pair ? text.slice(index - 2, index) : text.charAt(index - 1);
}

function isHighSurrogateAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogateAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}
