/**
 * Where the owner's scripts (doctor, menu, setup) look settings up after their flags: the environment, then the
 * project's .dev.vars, then (plain vars only) wrangler.toml's [vars]. The project is this repository unless
 * `--project-dir` names another.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PROJECT_ROOT } from "./paths";
import { readDotVars } from "./settings";

/** Look-ups by setting name; each returns undefined for a missing or empty value. */
export interface ProjectSources {
  dir: string;
  env: (name: string) => string | undefined;
  devVars: (name: string) => string | undefined;
  wranglerToml: (name: string) => string | undefined;
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === "" ? undefined : value.trim());

/** `NAME = "…"` or `NAME = '…'` in wrangler.toml's [vars] table. */
function wranglerVar(text: string, name: string): string | undefined {
  const section = /^\[vars\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? "";
  const match = new RegExp(`^\\s*${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "m").exec(section);
  return match?.[1] ?? match?.[2];
}

/** The sources of the project in `dir` (default: this repository). */
export function projectSources(dir: string = PROJECT_ROOT, env: NodeJS.ProcessEnv = process.env): ProjectSources {
  const root = resolve(dir);
  const devVars = readDotVars(resolve(root, ".dev.vars"));
  const tomlPath = resolve(root, "wrangler.toml");
  const toml = existsSync(tomlPath) ? readFileSync(tomlPath, "utf8") : "";
  return {
    dir: root,
    env: (name) => nonEmpty(env[name]),
    devVars: (name) => nonEmpty(devVars[name]),
    wranglerToml: (name) => nonEmpty(wranglerVar(toml, name)),
  };
}

/** The first source that has `name`, as [value, "where (name)"]. */
export function lookUp(sources: ProjectSources, name: string, opts: { toml?: boolean } = {}): [string, string] | undefined {
  const candidates: Array<[string | undefined, string]> = [
    [sources.env(name), `the environment (${name})`],
    [sources.devVars(name), `.dev.vars (${name})`],
    ...(opts.toml ? [[sources.wranglerToml(name), `wrangler.toml (${name})`] as [string | undefined, string]] : []),
  ];
  const found = candidates.find(([value]) => value !== undefined);
  return found?.[0] === undefined ? undefined : [found[0], found[1]];
}
