/**
 * The session model's account of failure texts (used by ./invariants.ts).
 */
import { where, type Received } from "./received";
import type { RunRecord } from "./world";

/**
 * Failure texts: each question whose answer failed (the model's error, re-asks used up) gets one; a passive failure
 * text without such a cause is the worker's fallback when the object was unreachable twice, allowed only when a restart
 * overlapped that message's delivery.
 */
export class FailureLedger {
  private readonly needed = new Set<number>();
  private readonly allowed = new Set<number>();

  constructor(private readonly run: RunRecord) {}

  /** Message `message`'s question owes a failure text (`required`), or may have one. */
  expect(message: number, required: boolean): void {
    if (required) this.needed.add(message);
    this.allowed.add(message);
  }

  /** Message `message`'s question may end in a failure text. */
  allow(message: number): void {
    this.allowed.add(message);
  }

  /** Matches the failure texts received against what was owed and allowed; adds any mismatch to `violations`. */
  settle(received: readonly Received[], violations: string[]): void {
    const failures = received.filter((r) => r.content.kind === "system" && r.content.name === "failure");
    let pooled = 0;
    let ambiguous = 0;
    const metDirectly = new Set<number>();
    for (const f of failures) {
      const message = f.message === undefined ? undefined : this.run.messages[f.message];
      const restarted = message !== undefined && this.run.restarts.some((r) => r.to > message.sentAt && r.from < (message.reply?.at ?? Infinity));
      if (f.channel === "cs") pooled += 1;
      // The worker's fallback when the object was unreachable twice, or (for a question that may fail) its answer.
      else if (restarted) ambiguous += 1;
      else if (f.message !== undefined && this.allowed.has(f.message) && !metDirectly.has(f.message)) metDirectly.add(f.message);
      // A failed answer's part handed out on "1".
      else if (message?.kind === "one") pooled += 1;
      else violations.push(`${where(f)} is the failure text, with no failed answer or restart to explain it`);
    }
    const stillNeeded = [...this.needed].filter((m) => !metDirectly.has(m)).length;
    const stillAllowed = [...this.allowed].filter((m) => !metDirectly.has(m)).length;
    if (pooled + ambiguous < stillNeeded) violations.push(`${stillNeeded} failed answer(s) owe a failure text, only ${pooled + ambiguous} arrived`);
    if (pooled > stillAllowed) violations.push(`${pooled} failure text(s) by CS or "1", but only ${stillAllowed} answer(s) could have failed`);
  }
}
