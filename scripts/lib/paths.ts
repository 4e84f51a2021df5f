/** Where the scripts find the project and keep the demo's local state. */
import { resolve } from "node:path";

/** The project root (scripts/lib/../..). */
export const PROJECT_ROOT = resolve(import.meta.dirname, "..", "..");
/** Where the demo keeps the worker's local state. */
export const DEMO_STATE_DIR = resolve(PROJECT_ROOT, ".wrangler", "demo-state");
