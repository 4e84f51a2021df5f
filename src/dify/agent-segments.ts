/**
 * The answer of an agent app, as Dify itself records it. An agent answers in rounds; each round is one
 * `agent_thought` row (`core/agent/base_agent_runner.py` `create_agent_thought`), streamed once when the round starts
 * and again when it is saved, and the round's model text arrives as `agent_message` deltas in between. Dify's web app
 * puts every delta into the latest thought and starts a new one when a thought with another id arrives
 * (web/app/components/base/chat/chat/hooks.ts, `onData` / `onThought`); so rounds are the segments here.
 *
 * What Dify stores as the message's answer (the text its web app and GET /messages show) differs by strategy:
 * - function calling (`core/agent/fc_agent_runner.py`): every round's text, each followed by "\n"
 *   (`final_answer += response + "\n"`), stripped when saved. Pre-tool text ("let me look that up") stays, on its
 *   own line instead of glued to the answer as plain delta concatenation would.
 * - ReAct (`core/agent/cot_agent_runner.py`): only the final answer, yielded as one chunk after the last round's
 *   thought text, with no `agent_thought` after it (a final round is never re-published). A round whose text was
 *   followed by no saved thought is therefore ReAct's last one, and its last delta is the answer.
 * - the new Agent App (mode `agent`): one closing `message` holding only the final output replaces the rest.
 */
export class AgentSegments {
  /** The rounds before the current one that said something, one per line. */
  private earlier = "";
  /** The round being streamed. */
  private current: Round | undefined;
  private closing: string | undefined;

  /** True once any agent event arrived. */
  seen = false;

  /** An `agent_thought` event: a new round when its id is new, else the round being saved. */
  thought(id: string | undefined): void {
    this.seen = true;
    if (this.current !== undefined && id !== undefined && this.current.id === id) {
      if (this.current.text.trim() !== "") this.current.saved = true;
      return;
    }
    this.startRound(id);
  }

  /** An `agent_message` delta. */
  delta(answer: string): void {
    this.seen = true;
    if (this.current === undefined) this.startRound(undefined);
    const round = this.current!;
    round.text += answer;
    if (answer !== "") {
      round.lastDelta = answer;
      round.saved = false;
    }
  }

  /** The new Agent App's closing `message`: the final output, which replaces every segment. */
  close(answer: string): void {
    if (answer.trim() !== "") this.closing = answer;
  }

  /** The text while streaming: the rounds that said something, one per line, in order. */
  get text(): string {
    if (this.closing !== undefined) return this.closing;
    const now = this.current?.text ?? "";
    if (now.trim() === "") return this.earlier;
    return this.earlier === "" ? now : `${this.earlier}\n${now}`;
  }

  /** The answer once the message ended (see the class comment for why this may differ from `text`). */
  get finalText(): string {
    if (this.closing !== undefined) return this.closing;
    const last = this.current;
    // Only a round Dify announced with an agent_thought can be ReAct's unsaved final one.
    if (last !== undefined && last.id !== undefined && !last.saved && last.lastDelta.trim() !== "") {
      return last.lastDelta.trim();
    }
    return this.text.trim();
  }

  private startRound(id: string | undefined): void {
    const said = this.current?.text ?? "";
    // A round that spoke and was followed by another was saved first (both runners save before the next round).
    if (said.trim() !== "") this.earlier = this.earlier === "" ? said : `${this.earlier}\n${said}`;
    this.current = { id, text: "", saved: false, lastDelta: "" };
  }
}

interface Round {
  id: string | undefined;
  text: string;
  saved: boolean;
  lastDelta: string;
}
