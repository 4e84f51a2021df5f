import { describe, expect, it } from "vitest";
import { renderGallery, renderMarkdown } from "../../src/page/render.js";

const REF = "AAAAAAAAAAAAAAAAAAAAAA";
const html = (markdown: string): string => renderMarkdown(markdown, REF).html;

describe("renderMarkdown: Dify's Markdown as the page shows it", () => {
  it("renders headings, emphasis, lists, quotes and rules", () => {
    const out = html("## Steps\n\n1. **mix** the *dough*\n2. bake ~~long~~\n\n- a\n  - b\n\n> note\n\n---");
    expect(out).toContain("<h2>Steps</h2>");
    expect(out).toContain("<ol>\n<li><strong>mix</strong> the <em>dough</em></li>");
    expect(out).toContain("<del>long</del>");
    expect(out).toMatch(/<ul>\n<li>a<ul>\n<li>b<\/li>/);
    expect(out).toContain("<blockquote>\n<p>note</p>\n</blockquote>");
    expect(out).toContain("<hr>");
  });

  it("renders a GFM table with its alignment", () => {
    const out = html("| City | Pop. |\n|:--|--:|\n| Lisboa | 545 |\n| 東京 | 14 000 |");
    expect(out).toContain("<table>");
    expect(out).toContain('<th align="left">City</th>');
    expect(out).toContain('<td align="right">14 000</td>');
  });

  it("renders a fenced code block verbatim, escaped, with its language", () => {
    const out = html("```html\n<script>alert(1)</script>\nif (a < b && c) {}\n```");
    expect(out).toBe(
      '<pre><code class="language-html">&lt;script&gt;alert(1)&lt;/script&gt;\nif (a &lt; b &amp;&amp; c) {}\n</code></pre>\n',
    );
  });

  it("keeps https and mailto links, opened without referrer or opener", () => {
    const out = html("[docs](https://example.com/a?b=1&c=2) and <mailto:me@example.com> and www.example.org");
    expect(out).toContain('<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">docs</a>');
    expect(out).toContain('<a href="mailto:me@example.com" rel="noopener noreferrer nofollow">');
    expect(out).toContain('<a href="http://www.example.org/" rel="noopener noreferrer nofollow">www.example.org</a>');
  });

  it("shows https images and the page's own images; other images show their alt text", () => {
    const out = html("![cat](https://img.example.com/cat.png) ![chart](img/2) ![old](http://x.example/y.png)");
    expect(out).toContain('<img src="https://img.example.com/cat.png" loading="lazy" alt="cat">');
    expect(out).toContain(`<img src="${REF}/img/2" loading="lazy" alt="chart">`);
    expect(out).not.toContain("http://x.example");
    expect(out).toContain("old");
    expect(renderMarkdown("![a](img/2) ![b](https://i.example/b.png)", REF).images).toEqual([
      "img/2", "https://i.example/b.png",
    ]);
  });

  it("leaves out a Dify file URL where it stands (it expires; the gallery shows the image)", () => {
    const signed = "https://dify.example/files/tools/0f4b1c2e-1111-4a2b-9c3d-5e6f7a8b9c0d.png?timestamp=1&nonce=n&sign=s";
    const out = html(`Here:\n\n![drawn](${signed})\n\n![rel](/files/tools/0f4b1c2e-1111-4a2b-9c3d-5e6f7a8b9c0d.png?sign=x)`);
    expect(out).toBe("<p>Here:</p>\n<p></p>\n<p></p>\n");
  });

  it("hides reasoning, an unclosed one with everything after it", () => {
    expect(html("<think>secret plan</think>\n\nThe answer.")).toBe("<p>The answer.</p>\n");
    expect(html("Intro.\n\n<think>still thinking about the secret")).toBe("<p>Intro.</p>\n");
    expect(html("<think>only reasoning")).toBe("");
  });

  it("shows task lists with boxes as characters, not form controls", () => {
    const out = html("- [x] done\n- [ ] open");
    expect(out).toContain("☑ done");
    expect(out).toContain("☐ open");
    expect(out).not.toContain("<input");
  });

  it("stays linear on Markdown that makes marked superlinear, and shows it as written", () => {
    const started = Date.now();
    const out = html(`${"_a".repeat(10_000)}\n\n${"a<!--".repeat(10_000)}`);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(out).toContain("_a_a_a");
    expect(out).toContain("a&lt;!--a&lt;!--");
    expect(out).not.toMatch(/<!--/);
  });
});

describe("renderGallery", () => {
  it("shows the answer's images its text does not show, each once, and nothing for URLs it may not load", () => {
    const out = renderGallery(
      ["img/0", "https://i.example/a.png", "img/0", "http://plain.example/b.png", "javascript:alert(1)", "img/1"],
      ["img/1"],
      REF,
    );
    expect(out).toBe(
      `<div class="gallery"><img src="${REF}/img/0" alt="" loading="lazy"><img src="https://i.example/a.png" alt="" loading="lazy"></div>`,
    );
    expect(renderGallery([], [], REF)).toBe("");
  });
});
