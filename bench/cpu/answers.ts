/**
 * The answers the CPU figure streams: ordinary prose and the shapes that used to make text handling superlinear
 * (issue 8, part 4). Each is built to a UTF-8 size, so figures per KB compare like with like.
 */
import { chineseProse } from "../../test/support/prose.js";

/** One answer shape: a name for the table and a builder for a given UTF-8 size. */
export interface AnswerShape {
  name: string;
  build(bytes: number): string;
}

const encoder = new TextEncoder();

/** `unit` repeated, cut at a code point so the UTF-8 size is at most `bytes` (and within 4 bytes of it). */
function repeatTo(unit: string, bytes: number): string {
  let out = "";
  while (encoder.encode(out).length + encoder.encode(unit).length <= bytes) out += unit;
  for (const char of unit) {
    if (encoder.encode(out + char).length > bytes) break;
    out += char;
  }
  return out;
}

/** The four shapes of the figure. */
export const SHAPES: readonly AnswerShape[] = [
  // Chinese paragraphs with an English one now and then, as a long model answer reads.
  {
    name: "prose",
    build: (bytes) =>
      repeatTo(`${chineseProse(600)}\n\nThe answer goes on in English for a while, as answers sometimes do.\n\n`, bytes),
  },
  // Runs of 20,000 letters with no space and no "://": the URL pattern used to retry from every letter, and the
  // unfinished line was searched again at every event.
  { name: "long ASCII runs", build: (bytes) => repeatTo(`${"a".repeat(20_000)}\n\n`, bytes) },
  // Emphasis nested in one long paragraph plus intraword underscores: marked used to go quadratic.
  { name: "nested emphasis", build: (bytes) => repeatTo("***a* b** _c_ __d *e*__ _a_a_a ", bytes) },
  // Thousands of one-line list items and no blank line: no paragraph ever finishes, so progressive delivery used to
  // rescan the whole answer at every event.
  { name: "one-line list items", build: (bytes) => repeatTo("- item of the list\n", bytes) },
];

/** Splits an answer into events of `size` characters (code points), as Dify streams a model's tokens. */
export function eventsOf(answer: string, size: number): string[] {
  const chars = Array.from(answer);
  const events: string[] = [];
  for (let i = 0; i < chars.length; i += size) events.push(chars.slice(i, i + size).join(""));
  return events;
}

/** UTF-8 size in KiB. */
export function kib(text: string): number {
  return encoder.encode(text).length / 1024;
}
