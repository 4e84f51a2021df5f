/** The account the benchmark plays: the same values the test suite uses (vitest.config.ts). No Node imports, so
 * code that runs inside workerd can use it too. */
export const BENCH_ACCOUNT = {
  token: "test-token",
  encodingAesKey: "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
  appId: "wx5823bf96d3bd56c7",
  ghId: "gh_bench_account",
} as const;
