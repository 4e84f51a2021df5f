/**
 * The two files `npm run setup` writes: wrangler.toml's [vars] (the account's plain settings, which `wrangler
 * deploy` sends) and .dev.vars (the secrets again, for `npm run dev`, the doctor and the simulator on this machine;
 * git ignores it). Only the named lines change; comments and every other line stay as they were.
 */

/** wrangler.toml with `name = "value"` set in its [vars] table (replaced where present, else added at its end). */
export function withVars(toml: string, vars: Readonly<Record<string, string>>): string {
  const lines = toml.split("\n");
  const start = lines.findIndex((line) => /^\[vars\]\s*$/.test(line));
  if (start < 0) return `${toml.replace(/\n*$/, "\n")}\n[vars]\n${Object.entries(vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join("\n")}\n`;
  let end = lines.findIndex((line, i) => i > start && /^\[/.test(line));
  if (end < 0) end = lines.length;
  const missing: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    const at = lines.findIndex((line, i) => i > start && i < end && new RegExp(`^${name}\\s*=`).test(line));
    const line = `${name} = ${JSON.stringify(value)}`;
    if (at >= 0) lines[at] = line;
    else missing.push(line);
  }
  // New lines go after the table's last setting, before the blank lines and comments that lead into the next table.
  let insert = end;
  while (insert > start + 1 && !/^[A-Z_]+\s*=/.test(lines[insert - 1] ?? "")) insert--;
  lines.splice(insert, 0, ...missing);
  return lines.join("\n");
}

/** .dev.vars with `NAME=value` lines set (replaced where present, else added); other lines stay. */
export function withDotVars(text: string, values: Readonly<Record<string, string>>): string {
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  for (const [name, value] of Object.entries(values)) {
    const at = lines.findIndex((line) => new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=`).test(line));
    if (at >= 0) lines[at] = `${name}=${value}`;
    else lines.push(`${name}=${value}`);
  }
  return `${lines.join("\n")}\n`;
}
