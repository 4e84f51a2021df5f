import type { Token, Tokens } from "marked";

/** Image URLs (![alt](url)) in lexed Markdown, in order and each once (at its first place). */
export function imageUrls(tokens: readonly Token[]): string[] {
  const urls = new Set<string>();
  collect(tokens, urls);
  return [...urls];
}

function collect(tokens: readonly Token[], urls: Set<string>): void {
  for (const token of tokens) {
    if (token.type === "image") {
      const href = (token as Tokens.Image).href.trim();
      if (href !== "") urls.add(href);
    }
    for (const children of childTokenLists(token)) collect(children, urls);
  }
}

/** Every list of tokens nested in a token: inline children, list items, table cells. */
function childTokenLists(token: Token): Token[][] {
  const lists: Token[][] = [];
  const generic = token as Tokens.Generic;
  if (Array.isArray(generic.tokens)) lists.push(generic.tokens);
  if (token.type === "list") lists.push((token as Tokens.List).items);
  if (token.type === "table") {
    const table = token as Tokens.Table;
    for (const cell of [...table.header, ...table.rows.flat()]) lists.push(cell.tokens);
  }
  return lists;
}
