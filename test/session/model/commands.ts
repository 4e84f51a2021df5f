/**
 * The session model's commands (fast-check `fc.commands`): what a follower, WeChat, the platform and WeChat's API can
 * do to one follower's session, in any order. The model state only bounds a run (its length and wall time); what is
 * right is decided after the run from the record (./invariants.ts), since the session's timing is real.
 */
import fc from "fast-check";
import { answerSpec, type AnswerSpec } from "./answers";
import { sleep } from "./follower-view";
import type { World } from "./world";

/** What the model keeps between commands: enough to keep a run short. */
export interface ModelState {
  csMode: boolean;
  messages: number;
  hangs: number;
  busyFaults: number;
}

type Command = fc.AsyncCommand<ModelState, World>;

/** Messages per run, so one run stays within seconds. */
const MAX_MESSAGES = 10;
/** At most this many -1 ("system busy") refusals per run: each doubles the CS backoff (1 s, 2 s, 4 s). */
const MAX_BUSY_FAULTS = 3;

/** The follower asks a new question. */
class Ask implements Command {
  constructor(readonly spec: AnswerSpec, readonly pauseMs: number) {}
  check(m: Readonly<ModelState>): boolean {
    return m.messages < MAX_MESSAGES;
  }
  async run(m: ModelState, w: World): Promise<void> {
    m.messages += 1;
    await w.ask(this.spec);
    await sleep(this.pauseMs);
  }
  toString(): string {
    const s = this.spec;
    const twist = s.twist === "none" ? "" : ` ${s.twist}`;
    return `ask(paragraphs=[${s.paragraphs.join(",")}] delay=${s.delayMs} chunks=${s.chunks} gap=${s.gapMs}${twist}) +${this.pauseMs}ms`;
  }
}

/** The follower sends a text command: "1" (collect, or a question when nothing waits) or "/clear". */
class Say implements Command {
  constructor(readonly text: "1" | "/clear", readonly pauseMs: number) {}
  check(m: Readonly<ModelState>): boolean {
    return m.messages < MAX_MESSAGES;
  }
  async run(m: ModelState, w: World): Promise<void> {
    m.messages += 1;
    await w.send(this.text === "1" ? "one" : "clear", this.text);
    await sleep(this.pauseMs);
  }
  toString(): string {
    return `say(${this.text}) +${this.pauseMs}ms`;
  }
}

/** The follower unsubscribes. */
class Unsubscribe implements Command {
  constructor(readonly pauseMs: number) {}
  check(m: Readonly<ModelState>): boolean {
    return m.messages < MAX_MESSAGES;
  }
  async run(m: ModelState, w: World): Promise<void> {
    m.messages += 1;
    await w.unsubscribe();
    await sleep(this.pauseMs);
  }
  toString(): string {
    return `unsubscribe +${this.pauseMs}ms`;
  }
}

/** WeChat delivers an earlier message once more (same bytes). */
class Repost implements Command {
  constructor(readonly pick: number) {}
  check(m: Readonly<ModelState>): boolean {
    return m.messages > 0;
  }
  async run(_m: ModelState, w: World): Promise<void> {
    await w.repost(this.pick);
  }
  toString(): string {
    return `repost(${this.pick})`;
  }
}

/** The object restarts (deploy, crash). */
class Restart implements Command {
  check(): boolean {
    return true;
  }
  async run(_m: ModelState, w: World): Promise<void> {
    await w.restart();
  }
  toString(): string {
    return "restart";
  }
}

/** The alarm runs now, whatever it was armed for. */
class Alarm implements Command {
  check(): boolean {
    return true;
  }
  async run(_m: ModelState, w: World): Promise<void> {
    await w.nudgeAlarm();
  }
  toString(): string {
    return "alarm";
  }
}

/** Time passes: streams go on, windows close, alarms fire. */
class Wait implements Command {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(): Promise<void> {
    await sleep(this.ms);
  }
  toString(): string {
    return `wait(${this.ms}ms)`;
  }
}

/** WeChat's API refuses the next CS sends (40001 stale token, -1 busy, 45047 quota used) or hangs on one. */
class CsFault implements Command {
  constructor(readonly errcode: 40001 | -1 | 45047 | "hang", readonly times: number) {}
  check(m: Readonly<ModelState>): boolean {
    if (!m.csMode) return false;
    if (this.errcode === "hang") return m.hangs < 1;
    return this.errcode !== -1 || m.busyFaults + this.times <= MAX_BUSY_FAULTS;
  }
  async run(m: ModelState, w: World): Promise<void> {
    if (this.errcode === "hang") m.hangs += 1;
    if (this.errcode === -1) m.busyFaults += this.times;
    await w.fault(this.errcode, this.times);
  }
  toString(): string {
    return `csFault(${this.errcode}×${this.times})`;
  }
}

const pause = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 900 }));

const ask = answerSpec.chain((spec) => pause.map((ms) => new Ask(spec, ms)));

/** Every command, weighted (by repetition) toward what makes interleavings: questions, "1", time passing. */
export function sessionCommands(csMode: boolean): Array<fc.Arbitrary<Command>> {
  const commands: Array<fc.Arbitrary<Command>> = [
    ask,
    ask,
    ask,
    ask,
    pause.map((ms) => new Say("1", ms)),
    pause.map((ms) => new Say("1", ms)),
    pause.map((ms) => new Say("/clear", ms)),
    pause.map((ms) => new Unsubscribe(ms)),
    fc.nat({ max: 20 }).map((pick) => new Repost(pick)),
    fc.nat({ max: 20 }).map((pick) => new Repost(pick)),
    fc.constant(new Restart()),
    fc.constant(new Alarm()),
    fc.integer({ min: 200, max: 2500 }).map((ms) => new Wait(ms)),
    fc.integer({ min: 200, max: 2500 }).map((ms) => new Wait(ms)),
  ];
  if (csMode) {
    commands.push(
      fc.constantFrom<40001 | -1 | 45047>(40001, -1, 45047).chain((code) => fc.integer({ min: 1, max: 2 }).map((times) => new CsFault(code, times))),
      fc.constantFrom<40001 | -1 | 45047 | "hang">(40001, -1, 45047, "hang").map((code) => new CsFault(code, 1)),
    );
  }
  return commands;
}

/** Scripts of 6 to 16 commands: fewer rarely make two things meet. */
export function sessionScripts(csMode: boolean): fc.Arbitrary<Iterable<Command>> {
  return fc.commands(sessionCommands(csMode), { maxCommands: 16, size: "max" }).filter((script) => [...script].length >= 6);
}

/** The model state a run starts from. */
export function initialModel(csMode: boolean): ModelState {
  return { csMode, messages: 0, hangs: 0, busyFaults: 0 };
}
