/**
 * Workers count outbound calls per invocation (a callback or an alarm run): 50 on the free plan. Every call the
 * follower's object makes goes through the meter of the invocation that makes it, and the meter refuses past its
 * limit, so no answer length, image count or retry storm can push one invocation over.
 */

/** Outbound calls one invocation may make; the rest of the platform's 50 is headroom. */
export const MAX_SUBREQUESTS_PER_INVOCATION = 40;

/** Thrown instead of making a call the invocation has no room for; the work is retried by a later invocation. */
export class SubrequestBudgetError extends Error {
  override readonly name = "SubrequestBudgetError";
}

/** Counts (and caps) the outbound calls of one invocation. */
export class SubrequestMeter {
  #used = 0;

  constructor(readonly limit: number = MAX_SUBREQUESTS_PER_INVOCATION) {}

  /** Calls made so far. */
  get used(): number {
    return this.#used;
  }

  /** Calls still allowed. */
  get left(): number {
    return Math.max(0, this.limit - this.#used);
  }

  /** Takes one call from the budget, or throws SubrequestBudgetError when none is left. */
  take(what: string): void {
    if (this.#used >= this.limit) throw new SubrequestBudgetError(`no subrequest left in this invocation for ${what}`);
    this.#used += 1;
  }

  /** A fetch that counts against this meter. */
  readonly fetch: typeof fetch = (input, init) => {
    try {
      this.take(typeof input === "string" ? new URL(input).pathname : "fetch");
    } catch (error) {
      return Promise.reject(error);
    }
    return fetch(input, init);
  };

  /** Wraps an RPC-style call (a Durable Object stub method) so it counts too. */
  counted<A extends unknown[], R>(what: string, call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      this.take(what);
      return call(...args);
    };
  }
}
