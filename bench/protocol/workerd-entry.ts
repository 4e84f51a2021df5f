/**
 * A tiny worker that runs one side's callback path `iterations` times inside workerd, for timing from outside
 * (workerd's clocks do not advance during pure computation, so the caller measures the round trip).
 */
import type { MixMessage } from "./messages.js";
import { oursCallback, oursContext, type OursContext } from "./ours.js";
import { peerCallback, peerContext, type PeerContext } from "./peer.js";

/** The request body the timing harness posts. */
export interface WorkerdJob {
  side: "ours" | "peer";
  iterations: number;
  messages: MixMessage[];
}

let ours: Promise<OursContext> | undefined;
let peer: PeerContext | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("ready");
    const job = (await request.json()) as WorkerdJob;
    let run: (m: MixMessage) => Promise<string>;
    if (job.side === "ours") {
      ours ??= oursContext();
      const ctx = await ours;
      run = (m) => oursCallback(ctx, m);
    } else {
      peer ??= peerContext();
      const ctx = peer;
      run = (m) => peerCallback(ctx, m);
    }
    let last = "";
    for (let i = 0; i < job.iterations; i++) last = await run(job.messages[i % job.messages.length] as MixMessage);
    return new Response(last);
  },
};
