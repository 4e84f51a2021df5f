/**
 * The page's stylesheet, inlined in the HTML (one round trip fewer on a phone far from the worker) and allowed by its
 * hash in the Content-Security-Policy, so no other inline style can apply. Mobile first: system fonts, a readable
 * measure, tables and code blocks that scroll sideways instead of widening the page (WeChat's in-app browser).
 */

/** The CSS of the answer page. */
export const PAGE_CSS = `
:root{color-scheme:light dark;--fg:#1f2328;--muted:#656d76;--bg:#fff;--soft:#f6f8fa;--line:#d0d7de;--link:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#8d96a0;--bg:#0d1117;--soft:#161b22;--line:#30363d;--link:#4493f8}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:17px/1.65 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Segoe UI",Roboto,Helvetica,Arial,sans-serif;word-wrap:break-word;overflow-wrap:anywhere}
main{max-width:46rem;margin:0 auto;padding:16px 16px 48px}
h1,h2,h3,h4,h5,h6{line-height:1.3;margin:1.2em 0 .5em}
h1{font-size:1.5em}h2{font-size:1.3em}h3{font-size:1.15em}h4,h5,h6{font-size:1em}
p,ul,ol,dl,blockquote,pre,table,details{margin:0 0 .9em}
ul,ol{padding-left:1.4em}
li+li{margin-top:.25em}
a{color:var(--link);text-decoration:underline;text-underline-offset:2px}
a:not([href]){color:inherit;text-decoration:none}
img{max-width:100%;height:auto;border-radius:6px;vertical-align:middle}
blockquote{margin-left:0;padding:0 0 0 .9em;border-left:4px solid var(--line);color:var(--muted)}
hr{border:0;border-top:1px solid var(--line);margin:1.5em 0}
code,kbd,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.88em}
:not(pre)>code{background:var(--soft);padding:.1em .35em;border-radius:4px}
pre{background:var(--soft);padding:12px;border-radius:8px;overflow-x:auto;-webkit-overflow-scrolling:touch;white-space:pre;word-wrap:normal;overflow-wrap:normal}
table{display:block;max-width:100%;overflow-x:auto;-webkit-overflow-scrolling:touch;border-collapse:collapse}
th,td{border:1px solid var(--line);padding:6px 10px;text-align:left;vertical-align:top;min-width:4em}
th{background:var(--soft)}
th[align=center],td[align=center]{text-align:center}th[align=right],td[align=right]{text-align:right}
summary{cursor:pointer}
.question{background:var(--soft);border-radius:10px;padding:10px 14px;margin-bottom:20px}
.question h2,.answer-head{font-size:.8em;font-weight:600;color:var(--muted);margin:0 0 4px;text-transform:uppercase;letter-spacing:.04em}
.question p{margin:0;white-space:pre-wrap;max-height:9.9em;overflow-y:auto}
.tail{white-space:pre-wrap}
.gallery img{display:block;margin:0 0 12px}
.status{margin-top:24px;font-size:.85em;color:var(--muted)}
.status.writing::before{content:"";display:inline-block;width:.6em;height:.6em;margin-right:.5em;border-radius:50%;background:var(--link);animation:pulse 1.2s ease-in-out infinite}
@keyframes pulse{50%{opacity:.25}}
@media (prefers-reduced-motion:reduce){.status.writing::before{animation:none}}
`.trim();

let hash: Promise<string> | undefined;

/** The CSP source that allows exactly PAGE_CSS: `'sha256-…'` (computed once per isolate). */
export function pageCssHash(): Promise<string> {
  hash ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(PAGE_CSS)).then((digest) => {
    let binary = "";
    for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
    return `'sha256-${btoa(binary)}'`;
  });
  return hash;
}
