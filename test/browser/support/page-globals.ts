/**
 * The few browser globals the tests' in-page functions touch. The project compiles without the DOM library (the
 * worker's types would clash with it), so functions passed to `page.evaluate` reach them as
 * `(globalThis as unknown as PageGlobals)`: the cast is erased, and in the page `globalThis` is the window.
 */
export interface PageGlobals {
  document: {
    getElementById(id: string): { textContent: string | null; classList: { contains(name: string): boolean } } | null;
    documentElement: { scrollWidth: number };
  };
  getComputedStyle(element: unknown): { overflowX: string };
  EventSource?: unknown;
  loadedOnce?: boolean;
}
