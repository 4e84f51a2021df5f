/**
 * Wakes everything waiting inside one Durable Object when its state changes: held WeChat requests wait for their
 * answer, the alarm waits for a pending stream. Waiters re-read storage after every wake-up, so a missed or spurious
 * wake-up costs nothing but a look.
 */
export class ChangeSignal {
  private waiters = new Set<() => void>();

  /** Wakes every current waiter. */
  notify(): void {
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** Resolves on the next notify() or after `timeoutMs`, whichever comes first. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.waiters.add(done);
    });
  }
}
