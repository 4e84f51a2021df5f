/**
 * Figure 4, second view: the answer-shaping code alone (src/text), in this Node process, on the same answers. It
 * separates what text handling costs from the rest of the Durable Object's path (SSE, storage, sends).
 * Paragraph scanning is run at every event the way progressive delivery asks: with the one-shot function on the
 * unsent text (src/session/progressive.ts at commit 4ea81a8) and, where the tree has it, with ParagraphScanner.
 */
import * as markdown from "../../src/text/markdown.js";
import * as paragraphs from "../../src/text/paragraphs.js";
import { splitByUtf8Bytes } from "../../src/text/split.js";
import { nowMs } from "../stats.js";
import { formatMs, type Table } from "../table.js";
import { eventsOf, kib, SHAPES } from "./answers.js";

/** Milliseconds per KiB of answer for each step; undefined where the tree lacks the API. */
export interface TextPathCase {
  shape: string;
  kib: number;
  oneShotScanMs: number;
  scannerMs?: number;
  /** ParagraphScanner fed only each event's text (`append`), which never copies the whole answer. */
  appendMs?: number;
  shapeMs: number;
  splitMs: number;
}

/** Half of WeChat's 2,048-byte part: the least progressive delivery sends at once. */
const MIN_BYTES = 1_024;

interface Scanner {
  take(text: string, minBytes: number): string;
  append?(delta: string, minBytes: number): string;
}

function timed(run: () => void): number {
  const start = nowMs();
  run();
  return nowMs() - start;
}

/** Runs the text path over every shape and size, after one unmeasured round on small answers (JIT warm-up). */
export function runTextPath(sizesKib: readonly number[], eventChars: number): TextPathCase[] {
  measure([2], eventChars);
  return measure(sizesKib, eventChars);
}

function measure(sizesKib: readonly number[], eventChars: number): TextPathCase[] {
  const Scanner = (paragraphs as Record<string, unknown>)["ParagraphScanner"] as (new () => Scanner) | undefined;
  const cases: TextPathCase[] = [];
  for (const shape of SHAPES) {
    for (const size of sizesKib) {
      const answer = shape.build(size * 1024);
      const events = eventsOf(answer, eventChars);
      const perKib = (ms: number): number => ms / kib(answer);
      const oneShotScanMs = timed(() => {
        let text = "";
        let offset = 0;
        for (const event of events) {
          text += event;
          offset += paragraphs.takeFinishedParagraphs(text.slice(offset), MIN_BYTES).done.length;
        }
      });
      const scannerMs =
        Scanner === undefined
          ? undefined
          : timed(() => {
              const scanner = new Scanner();
              let text = "";
              for (const event of events) {
                text += event;
                scanner.take(text, MIN_BYTES);
              }
            });
      const appendMs =
        Scanner === undefined || Scanner.prototype.append === undefined
          ? undefined
          : timed(() => {
              const scanner = new Scanner();
              for (const event of events) scanner.append?.(event, MIN_BYTES);
            });
      let shaped = "";
      // What the session shapes at the end: the text, and the image URLs of the same answer.
      const shapeMs = timed(() => {
        shaped = markdown.markdownToWechatText(`${answer}\n`);
        markdown.markdownImageUrls(`${answer}\n`);
      });
      const splitMs = timed(() => splitByUtf8Bytes(shaped, 2_000));
      cases.push({
        shape: shape.name,
        kib: kib(answer),
        oneShotScanMs: perKib(oneShotScanMs),
        scannerMs: scannerMs === undefined ? undefined : perKib(scannerMs),
        appendMs: appendMs === undefined ? undefined : perKib(appendMs),
        shapeMs: perKib(shapeMs),
        splitMs: perKib(splitMs),
      });
    }
  }
  return cases;
}

const perKibCell = (ms: number | undefined): string => (ms === undefined ? "n/a" : `${formatMs(ms)}`);

/** The text path as a table. */
export function textPathTable(cases: readonly TextPathCase[], eventChars: number): Table {
  return {
    title: `Figure 4b: src/text alone in Node, ms per KiB of answer (${eventChars}-character events)`,
    header: ["answer", "size", "scan: one-shot", "scan: take", "scan: append", "shape (text + images)", "split"],
    rows: cases.map((c) => [
      c.shape,
      `${c.kib.toFixed(0)} KiB`,
      perKibCell(c.oneShotScanMs),
      perKibCell(c.scannerMs),
      perKibCell(c.appendMs),
      perKibCell(c.shapeMs),
      perKibCell(c.splitMs),
    ]),
    notes: [
      "scan, at every event: one-shot = takeFinishedParagraphs on the unsent text (progressive.ts at 4ea81a8);",
      "take = ParagraphScanner.take(text so far); append = ParagraphScanner.append(event text) (n/a: not in this tree).",
      "take copies the growing text once per event (V8 flattens a string built by +=); append reads each event once.",
    ],
  };
}
