import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/page/render.js";

/**
 * Dify's output is untrusted: whatever an answer holds (a prompt injection can make a model write anything), the
 * page's HTML carries no script, no event handler, no style and nothing loaded from elsewhere except https images.
 * The page's Content-Security-Policy would block most of it again (headers are checked in page-routes.test.ts).
 */
const REF = "BBBBBBBBBBBBBBBBBBBBBB";
const html = (markdown: string): string => renderMarkdown(markdown, REF).html;

/** The tags the sanitiser lets through (src/page/sanitize.ts), and attributes that can run or load something. */
const ALLOWED_TAGS = new Set([
  "a", "img", "p", "br", "hr", "blockquote", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl",
  "dt", "dd", "strong", "b", "em", "i", "u", "del", "s", "ins", "mark", "small", "sub", "sup", "kbd", "abbr", "code",
  "pre", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "details", "summary",
]);
const ALLOWED_ATTRIBUTES = new Set(["href", "rel", "title", "src", "alt", "loading", "class", "align", "start"]);

/** Every tag in `html` is an allowed one with allowed attributes; URLs are https, http or mailto, or own images. */
function expectHarmless(html: string): void {
  expect(html).not.toMatch(/<!--/);
  for (const [tag, name, attributes] of html.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)) {
    expect(ALLOWED_TAGS, tag).toContain((name ?? "").toLowerCase());
    for (const [, attribute, raw] of (attributes ?? "").matchAll(/[\s/]([^\s=/]+)(?:=("[^"]*"|'[^']*'|[^\s>]*))?/g)) {
      const value = (raw ?? "").replace(/^["']|["']$/g, "");
      expect(ALLOWED_ATTRIBUTES, tag).toContain(attribute);
      if (attribute === "src") expect(value).toMatch(new RegExp(`^(https://|${REF}/img/\\d+$)`));
      if (attribute === "href") expect(value).toMatch(/^(https?:|mailto:)/);
      if (attribute === "rel") expect(value).toBe("noopener noreferrer nofollow");
    }
  }
}

const HOSTILE: readonly string[] = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
  "<scr<script>ipt>alert(1)</script>",
  '<img src=x onerror="alert(1)">',
  '<img src="https://ok.example/a.png" onerror=alert(1) onload=alert(2)>',
  "<img/src=x/onerror=alert(1)>",
  "<svg onload=alert(1)><circle r=5/></svg>",
  "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
  '<a href="javascript:alert(1)">tap</a>',
  '<a href="JaVaScRiPt:alert(1)">tap</a>',
  '<a href="java&#x09;script:alert(1)">tap</a>',
  '<a href="&#106;avascript:alert(1)">tap</a>',
  "[tap](javascript:alert(1))",
  "[tap](<javascript:alert(1)>)",
  "[tap](vbscript:msgbox(1))",
  "[tap](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
  "![x](javascript:alert(1))",
  "[ref]\n\n[ref]: javascript:alert(1)",
  '<iframe src="https://evil.example"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">',
  '<form action="https://evil.example"><input name=a><button formaction="javascript:alert(1)">go</button></form>',
  '<div style="background:url(https://evil.example/track.png)">styled</div>',
  '<p style="position:fixed;inset:0;background:red">cover the page</p>',
  "<style>body{display:none}</style>",
  '<link rel="stylesheet" href="https://evil.example/x.css">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<base href="https://evil.example/">',
  '<details open ontoggle=alert(1)><summary>x</summary>y</details>',
  '<a href="https://ok.example" onclick="alert(1)" target="_top">ok</a>',
  "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
  "<!--<img src=x onerror=alert(1)>-->",
  "<textarea><script>alert(1)</script></textarea>",
  "<template><script>alert(1)</script></template>",
  '<video src=x onerror=alert(1)></video><audio src=x onerror=alert(1)>',
  "```\n</code></pre><script>alert(1)</script>\n```",
  "`<img src=x onerror=alert(1)>`",
  '<img src="https://ok.example/a.png" srcset="https://evil.example/b.png 2x">',
  '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
];

describe("hostile answers on the page", () => {
  it.each(HOSTILE)("%s keeps nothing that can run or load", (markdown) => {
    expectHarmless(html(markdown));
  });

  it("(the check above refuses each of these when it is not sanitised)", () => {
    for (const markdown of HOSTILE.filter((m) => /<[a-z]/i.test(m) && !m.startsWith("`") && !m.startsWith("```"))) {
      expect(() => expectHarmless(markdown), markdown).toThrow();
    }
  });

  it("keeps the visible text of stripped markup, but not the content of scripts and styles", () => {
    expect(html('<div onclick="x()">hello <b>bold</b></div>')).toBe("<div>hello <b>bold</b></div>");
    expect(html("before <script>alert('x')</script> after")).toBe("<p>before  after</p>\n");
    expect(html('<style>p{color:red}</style>\n\nkept')).toBe("<p>kept</p>\n");
    expect(html('<font color="red">red</font>')).toBe("<p>red</p>\n");
  });

  it("keeps a link's text when its target is not allowed", () => {
    expect(html("[tap me](javascript:alert(1))")).toBe("<p><a>tap me</a></p>\n");
  });

  it("never lets an answer close the page's own elements or add attributes to them", () => {
    const out = html('</div></article><div id="answer-body" data-events="https://evil.example">x</div>');
    expect(out).not.toContain("data-events");
    expect(out).not.toContain('id="');
  });

  it("shows quotes and angle brackets in text as text", () => {
    expect(html('a "quoted" 1 < 2 > 0 & done')).toBe("<p>a &quot;quoted&quot; 1 &lt; 2 &gt; 0 &amp; done</p>\n");
  });
});
