import type { Reporter, TestCase, TestModule } from "vitest/node";

/**
 * A vitest reporter that makes a stalled run visible: every minute it prints the test cases that have run longer than
 * STALL_REPORT_AFTER_MS (default 150 s) and the test files still open, with how long each has been running. A test
 * that never ends is named in the log instead of the run just going quiet. It prints nothing while a run is healthy.
 */
export default class StallReporter implements Reporter {
  readonly #running = new Map<string, { label: string; since: number }>();
  readonly #modules = new Map<string, { label: string; since: number }>();
  readonly #reportAfterMs = Number(process.env.STALL_REPORT_AFTER_MS ?? "150000");
  #timer: ReturnType<typeof setInterval> | undefined;

  onTestRunStart(): void {
    this.#timer = setInterval(() => this.#report(), 60_000);
    this.#timer.unref();
  }

  onTestModuleStart(module: TestModule): void {
    this.#modules.set(module.id, { label: `${module.project.name} ${module.relativeModuleId}`, since: Date.now() });
  }

  onTestModuleEnd(module: TestModule): void {
    this.#modules.delete(module.id);
  }

  onTestCaseReady(test: TestCase): void {
    this.#running.set(test.id, {
      label: `${test.project.name} ${test.module.relativeModuleId} > ${test.fullName}`,
      since: Date.now(),
    });
  }

  onTestCaseResult(test: TestCase): void {
    this.#running.delete(test.id);
  }

  onTestRunEnd(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  #report(): void {
    const now = Date.now();
    const old = (entry: { since: number }) => now - entry.since >= this.#reportAfterMs;
    const slow = [...this.#running.values()].filter(old);
    if (slow.length === 0 && ![...this.#modules.values()].some(old)) return;
    const seconds = (since: number) => `${Math.round((now - since) / 1000)} s`;
    const lines = [
      `[stall-reporter] ${slow.length} test(s) running longer than ${this.#reportAfterMs / 1000} s:`,
      ...slow.map((entry) => `  ${seconds(entry.since)}  ${entry.label}`),
      `[stall-reporter] files open (a file open long with no slow test is stuck between tests):`,
      ...[...this.#modules.values()].map((entry) => `  ${seconds(entry.since)}  ${entry.label}`),
    ];
    process.stderr.write(`${lines.join("\n")}\n`);
  }
}
