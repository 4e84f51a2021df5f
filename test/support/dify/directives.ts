/**
 * Directives in the question text that steer one call of the Dify stand-in (the table is in test/support/mock-dify.ts).
 */
import { DEFAULT_PACING } from "./replay.js";
import { DEFAULT_VERSION, parseVersion, type Version } from "./wire.js";

/** What one call was told to do. */
export interface Directives {
  delay: number;
  silent: number;
  gap: number;
  chunks: number;
  answer?: string;
  long?: number;
  status?: { code: number; errorCode: string; message?: string };
  errorEvent: boolean;
  stall: boolean;
  drop: boolean;
  agent: boolean;
  replace?: string;
  forget: boolean;
  hold: number;
  files: boolean;
  reasoning: boolean;
  workflowFail: boolean;
  slowOnce: number;
  replay?: string;
  pace: number;
  seed: number;
  version: Version;
}

const DIRECTIVE = /\[([a-z0-9-]+)(?:=([^\]]*))?\]/g;

/** Reads the directives out of `text`; returns them and the text without them. Unknown `[...]` stays in the text. */
export function parseDirectives(text: string): { directives: Directives; text: string } {
  const d: Directives = {
    delay: 0, silent: 0, gap: 0, chunks: 3, errorEvent: false, stall: false, drop: false, agent: false, forget: false,
    hold: 0, files: false, reasoning: false, workflowFail: false, slowOnce: 0,
    pace: DEFAULT_PACING.paceMs, seed: DEFAULT_PACING.seed, version: DEFAULT_VERSION,
  };
  const rest = text.replace(DIRECTIVE, (all, name: string, value: string | undefined) => {
    const v = value ?? "";
    switch (name) {
      case "delay": d.delay = Number(v); break;
      case "silent": d.silent = Number(v); break;
      case "gap": d.gap = Number(v); break;
      case "chunks": d.chunks = Math.max(1, Number(v)); break;
      case "long": d.long = Number(v); break;
      case "answer": d.answer = v.replace(/\\n/g, "\n"); break;
      case "answer64": d.answer = Buffer.from(v, "base64").toString("utf8"); break;
      case "status": {
        const [code, errorCode, ...message] = v.split(":");
        d.status = { code: Number(code), errorCode: errorCode || "internal_server_error" };
        if (message.length > 0) d.status.message = message.join(":");
        break;
      }
      case "error-event": d.errorEvent = true; break;
      case "stall": d.stall = true; break;
      case "drop": d.drop = true; break;
      case "agent": d.agent = true; break;
      case "replace": d.replace = v; break;
      case "forget": d.forget = true; break;
      case "hold": d.hold = Number(v); break;
      case "slow-once": d.slowOnce = Number(v); break;
      case "files": d.files = true; break;
      case "reasoning": d.reasoning = true; break;
      case "workflow-fail": d.workflowFail = true; break;
      case "replay": d.replay = v; break;
      case "pace": d.pace = Number(v); break;
      case "seed": d.seed = Number(v); break;
      case "version": d.version = parseVersion(v) ?? DEFAULT_VERSION; break;
      default: return all;
    }
    return "";
  }).trim();
  return { directives: d, text: rest };
}
