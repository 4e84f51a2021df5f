/**
 * The recorded Dify streams (test/fixtures/dify-streams/) as tests inside workerd see them: the manifest and the raw
 * bytes come from the Dify stand-in, which reads them from disk (workerd tests have no file system).
 */
import { inject } from "vitest";

/** What a correct client must end up with after one recorded stream (manifest.json `expect`). */
export interface StreamExpectation {
  conversation_id?: string;
  message_id?: string;
  workflow_run_id?: string;
  answer?: string;
  partial_answer?: string;
  files?: string[];
  outputs?: Record<string, unknown>;
  distinct_image_urls_for_one_image?: string[];
}

/** One manifest entry. */
export interface RecordedStreamEntry {
  file: string;
  events: number;
  expect: StreamExpectation;
  note: string;
}

const root = () => inject("difyUrl").replace(/\/v1$/, "");

/** The manifest entry of `name` (file name without `.sse`); throws when the manifest lacks it. */
export async function streamEntry(name: string): Promise<RecordedStreamEntry> {
  const entries = (await (await fetch(`${root()}/__streams`)).json()) as RecordedStreamEntry[];
  const entry = entries.find((e) => e.file === `${name}.sse`);
  if (entry === undefined) throw new Error(`manifest.json has no ${name}.sse`);
  return entry;
}

/** Every manifest entry. */
export async function streamEntries(): Promise<RecordedStreamEntry[]> {
  return (await (await fetch(`${root()}/__streams`)).json()) as RecordedStreamEntry[];
}

/** The stored bytes of recorded stream `name`. */
export async function streamBytes(name: string): Promise<Uint8Array> {
  const res = await fetch(`${root()}/__streams/${encodeURIComponent(name)}`);
  if (!res.ok) throw new Error(`no recorded stream ${name}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The directive that makes the stand-in replay `name` (see test/support/mock-dify.ts). */
export function replayDirective(name: string, opts: { paceMs?: number; seed?: number } = {}): string {
  const pace = opts.paceMs === undefined ? "" : ` [pace=${opts.paceMs}]`;
  const seed = opts.seed === undefined ? "" : ` [seed=${opts.seed}]`;
  return `[replay=${name}]${pace}${seed}`;
}
