import { DifyError, type DifyDeadline } from "./errors.js";

/** Limits for one call, in milliseconds; a non-finite or non-positive value switches that limit off. */
export interface DeadlineLimits {
  /** From sending the request until the response headers arrive. */
  connectMs: number;
  /** Longest silence allowed between two stream events once headers are in. */
  idleMs: number;
  /** The whole call, headers and body. */
  totalMs: number;
}

/**
 * The deadlines of one outbound call folded into a single AbortSignal for fetch and the body reader, so a deadline
 * that fires while the body streams cancels the body, not just the wait for headers. Remembers which deadline fired
 * so the resulting error can say so.
 */
export class CallDeadline {
  private readonly controller = new AbortController();
  private readonly timers = new Map<"connect" | "idle" | "total", ReturnType<typeof setTimeout>>();
  private readonly callerSignal: AbortSignal | undefined;
  private readonly onCallerAbort = () => this.fire("caller");
  private firedBy: DifyDeadline | undefined;

  /** Starts the connect and total clocks now; the idle clock starts at headersArrived(). */
  constructor(private readonly limits: DeadlineLimits, callerSignal?: AbortSignal) {
    this.callerSignal = callerSignal;
    this.arm("connect", limits.connectMs);
    this.arm("total", limits.totalMs);
    if (callerSignal?.aborted) this.fire("caller");
    else callerSignal?.addEventListener("abort", this.onCallerAbort);
  }

  /** Aborted as soon as any deadline passes or the caller aborts. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Which deadline ended the call, if one did. */
  get fired(): DifyDeadline | undefined {
    return this.firedBy;
  }

  /** Headers are in: stop the connect clock and start the idle one. */
  headersArrived(): void {
    this.clear("connect");
    this.arm("idle", this.limits.idleMs);
  }

  /** An event arrived (pings included): restart the idle clock. */
  touch(): void {
    this.arm("idle", this.limits.idleMs);
  }

  /**
   * Turns whatever a call threw into a DifyError: DifyErrors pass through, anything else thrown after a deadline
   * fired becomes kind "timeout", and the rest (fetch or body read failures) kind "network".
   */
  toError(err: unknown, what: string): DifyError {
    if (err instanceof DifyError) return err;
    if (this.firedBy !== undefined) {
      const reason = this.firedBy === "caller" ? this.callerSignal?.reason : err;
      return new DifyError("timeout", `${what}: ${describeDeadline(this.firedBy, this.limits)}`, {
        deadline: this.firedBy,
        cause: reason,
      });
    }
    const detail = err instanceof Error ? err.message : String(err);
    return new DifyError("network", `${what}: connection failed (${detail})`, { cause: err });
  }

  /** Stops every clock and releases the connection if the body was left unread. Call once, in `finally`. */
  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.callerSignal?.removeEventListener("abort", this.onCallerAbort);
    // After a fully read body this is a no-op; after an early exit it frees the socket.
    if (!this.controller.signal.aborted) this.controller.abort(new Error("Dify call finished"));
  }

  private arm(which: "connect" | "idle" | "total", ms: number): void {
    this.clear(which);
    if (!Number.isFinite(ms) || ms <= 0 || this.controller.signal.aborted) return;
    this.timers.set(which, setTimeout(() => this.fire(which), ms));
  }

  private clear(which: "connect" | "idle" | "total"): void {
    const timer = this.timers.get(which);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(which);
  }

  private fire(which: DifyDeadline): void {
    if (this.firedBy !== undefined || this.controller.signal.aborted) return;
    this.firedBy = which;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.controller.abort(new Error(describeDeadline(which, this.limits)));
  }
}

function describeDeadline(which: DifyDeadline, limits: DeadlineLimits): string {
  switch (which) {
    case "connect": return `no response headers within ${limits.connectMs} ms`;
    case "idle": return `no stream event for ${limits.idleMs} ms`;
    case "total": return `not finished within ${limits.totalMs} ms`;
    case "caller": return "aborted by the caller";
  }
}
