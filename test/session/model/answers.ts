/**
 * Questions for the session model and the answers the Dify stand-in gives them (test/support/mock-dify.ts directives).
 *
 * Every sentence of an answer opens with a label naming its question and its place (`〔Q3-7〕`), and sentences are
 * short, so every part the worker cuts (it cuts at sentence ends first, src/text/split.ts) starts with a label: any
 * text the follower receives can be traced to exactly one answer and one position in it, or shown to be spliced.
 */
import fc from "fast-check";

/** How one question's answer is written and streamed. */
export interface AnswerSpec {
  /** Sentences in each paragraph (paragraphs are what progressive delivery sends early). */
  paragraphs: number[];
  /** The model "thinks" this long before its first delta. */
  delayMs: number;
  /** Deltas the answer is streamed in, and the pause between two of them. */
  chunks: number;
  gapMs: number;
  /** Output moderation replaces the answer at its end, or the model fails after its first delta. */
  twist: "none" | "replace" | "error";
}

/** One question of a run: what is sent, what Dify answers, and the texts the follower may receive for it. */
export interface Question {
  n: number;
  spec: AnswerSpec;
  /** The WeChat message's Content (directives and the label). */
  content: string;
  /** Dify's answer as streamed (before any replacement). */
  answer: string;
  /** Moderation's replacement, when `twist` is "replace". */
  replacement?: string;
}

/** Text every sentence is cut from: plain CJK prose, nothing Markdown would change. */
const FILLER = "公众号的回答必须完整送达关注者而且顺序不能错乱也不能重复或者拼接两个不同的回答";

/** Sentence `k` of question `n`. */
function sentence(n: number, k: number): string {
  const length = 8 + ((k * 7) % 17);
  const start = (k * 5) % (FILLER.length - length);
  return `〔Q${n}-${k}〕${FILLER.slice(start, start + length)}。`;
}

function answerText(n: number, paragraphs: readonly number[]): string {
  let k = 0;
  return paragraphs.map((count) => Array.from({ length: count }, () => sentence(n, ++k)).join("")).join("\n\n");
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Builds question `n` from its spec. */
export function makeQuestion(n: number, spec: AnswerSpec): Question {
  const answer = answerText(n, spec.paragraphs);
  const replacement = spec.twist === "replace" ? `〔Q${n}-替换〕抱歉，这个回答已由审核替换。` : undefined;
  const directives = [
    `[delay=${spec.delayMs}]`, `[chunks=${spec.chunks}]`, `[gap=${spec.gapMs}]`, `[answer64=${base64(answer)}]`,
    replacement === undefined ? "" : `[replace=${replacement}]`,
    spec.twist === "error" ? "[error-event]" : "",
  ].join("");
  return { n, spec, content: `${directives} ${questionLabel(n)}`, answer, replacement };
}

/** The plain words of question `n`'s query, after the directives: how its Dify calls are told apart. */
export function questionLabel(n: number): string {
  return `问题Q${n}`;
}

/** The question a received text claims to belong to by its opening label, if any. */
export function labelOf(text: string): { n: number; replacement: boolean } | undefined {
  const match = /^〔Q(\d+)-(\d+|替换)〕/.exec(text);
  if (match === null) return undefined;
  return { n: Number(match[1]), replacement: match[2] === "替换" };
}

/** Answers from one short sentence (a passive reply) to a dozen paragraphs (parts for CS and for "1"). */
export const answerSpec: fc.Arbitrary<AnswerSpec> = fc.record({
  paragraphs: fc.oneof(
    { weight: 2, arbitrary: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }) },
    { weight: 4, arbitrary: fc.array(fc.integer({ min: 2, max: 8 }), { minLength: 2, maxLength: 8 }) },
  ),
  // WeChat's window is 2 s in the model's deployment: answers finish inside it, across it and well after it.
  delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1800 }), fc.integer({ min: 2000, max: 3500 })),
  chunks: fc.integer({ min: 1, max: 10 }),
  gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 350 })),
  twist: fc.constantFrom<AnswerSpec["twist"]>("none", "none", "none", "none", "none", "none", "replace", "error"),
});
