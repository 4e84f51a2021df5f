import { describe, expect, it } from "vitest";
import { LiveAnswer, type PageUpdate } from "../../src/page/live-render.js";
import { renderGallery, renderMarkdown } from "../../src/page/render.js";

const REF = "CCCCCCCCCCCCCCCCCCCCCC";

/** The page as live.js keeps it: rendered paragraphs, the plain-text tail, the gallery. */
class Page {
  body = "";
  tail = "";
  gallery = "";
  done = false;
  /** Characters of HTML and text the updates carried. */
  sent = 0;

  apply(update: PageUpdate | undefined): void {
    if (update === undefined) return;
    this.sent += (update.html ?? "").length + (update.add ?? "").length + (update.tail ?? "").length;
    if (update.html !== undefined) this.body = update.html;
    if (update.add !== undefined) this.body += update.add;
    if (update.resetTail === true) this.tail = "";
    if (update.tail !== undefined) this.tail += update.tail;
    if (update.gallery !== undefined) this.gallery = update.gallery;
    if (update.done === true) this.done = true;
  }
}

/** `text` in deltas of `size` characters. */
function deltas(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

describe("LiveAnswer: the page while Dify writes", () => {
  it("starts from a snapshot: finished paragraphs rendered, the unfinished one as text, images in the gallery", () => {
    const page = new Page();
    page.apply(new LiveAnswer(REF).start("# Title\n\nFirst **para**.\n\nSecond is *still", ["img/0"]));
    expect(page.body).toBe("<h1>Title</h1>\n<p>First <strong>para</strong>.</p>\n");
    expect(page.tail).toBe("Second is *still");
    expect(page.gallery).toBe(renderGallery(["img/0"], [], REF));
  });

  it("appends each paragraph rendered once it finishes, and grows the tail with what is unfinished", () => {
    const live = new LiveAnswer(REF);
    const page = new Page();
    page.apply(live.start("", []));
    page.apply(live.append("Hello *wor"));
    expect(page).toMatchObject({ body: "", tail: "Hello *wor" });
    page.apply(live.append("ld*.\n\nNext"));
    expect(page).toMatchObject({ body: "<p>Hello <em>world</em>.</p>\n", tail: "Next" });
    page.apply(live.append(" one"));
    expect(page).toMatchObject({ body: "<p>Hello <em>world</em>.</p>\n", tail: "Next one" });
  });

  it("keeps a code block and a table as text until they are whole, then renders them", () => {
    const live = new LiveAnswer(REF);
    const page = new Page();
    page.apply(live.start("", []));
    let streamed = "";
    for (const delta of deltas("```js\nconst a = 1;\n\nconst b = a < 2;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nEnd", 3)) {
      streamed += delta;
      page.apply(live.append(delta));
      // Until the fence has closed and a blank line followed, all of it is the tail: the blank line inside ends nothing
      // (a "<" at the very end waits for what follows: it may open a think tag).
      if (!page.body.includes("<pre>")) expect(page.tail).toBe(streamed.replace(/<$/, ""));
      if (!page.body.includes("<table>")) expect(page.tail).not.toContain("| 2 |\n\n");
    }
    expect(page.body).toContain('<pre><code class="language-js">const a = 1;\n\nconst b = a &lt; 2;\n</code></pre>');
    expect(page.body).toContain("<td>2</td>");
    expect(page.tail).toBe("End");
  });

  it("never shows reasoning, streamed or finished", () => {
    const live = new LiveAnswer(REF);
    const page = new Page();
    page.apply(live.start("", []));
    for (const delta of deltas("<think>\nsecret step one\n\nsecret step two\n</think>\n\nThe answer.\n\nMore", 4)) {
      page.apply(live.append(delta));
      expect(page.body + page.tail).not.toContain("secret");
    }
    expect(page).toMatchObject({ body: "<p>The answer.</p>\n", tail: "More" });
  });

  it("renders the whole text once at the end, replacing what streamed, and keeps images from the snapshot on replace", () => {
    const live = new LiveAnswer(REF);
    const page = new Page();
    page.apply(live.start("Part", ["https://i.example/a.png"]));
    page.apply(live.append(" one\n\n"));
    page.apply(live.start("Moderated."));
    expect(page).toMatchObject({ body: "", tail: "Moderated.", gallery: renderGallery(["https://i.example/a.png"], [], REF) });
    page.apply(live.finish("Final **text**.", ["img/1"]));
    expect(page).toMatchObject({ body: "<p>Final <strong>text</strong>.</p>\n", tail: "", done: true });
    expect(page.gallery).toBe(renderGallery(["img/1"], [], REF));
  });

  it("ends where rendering the whole text would: paragraph by paragraph equals all at once", () => {
    const text = "Intro.\n\n- a\n- b\n\n## H\n\n> q\n\n| x |\n|---|\n| y |\n\n```\ncode\n```\n\nLast.\n\n";
    const live = new LiveAnswer(REF);
    const page = new Page();
    page.apply(live.start("", []));
    for (const delta of deltas(text, 5)) page.apply(live.append(delta));
    expect(page.body).toBe(renderMarkdown(text, REF).html);
    expect(page.tail).toBe("");
  });

  it("sends an amount linear in the answer, in time linear in it, however small the deltas", () => {
    const paragraph = "Lorem ipsum dolor sit amet, **consectetur** adipiscing elit, sed do eiusmod tempor.";
    const code = `\`\`\`html\n${"<div class=\"row\">cell</div>\n".repeat(2_000)}\`\`\`\n\n`;
    const text = `${`${paragraph}\n\n`.repeat(1_000)}${code}${paragraph}`;
    const live = new LiveAnswer(REF);
    const page = new Page();
    const started = Date.now();
    page.apply(live.start("", []));
    for (const delta of deltas(text, 4)) page.apply(live.append(delta));
    expect(Date.now() - started).toBeLessThan(4000);
    // A code block of 60,000 characters streamed in 4-character deltas: its tail is never sent again whole.
    expect(page.sent).toBeLessThan(3 * text.length);
    expect(page.tail).toBe(paragraph);
  });
});
