/** UTF-8 sizes of JavaScript (UTF-16) strings, as TextEncoder would write them. */

/** UTF-8 byte length of a string (a lone surrogate counts 3 bytes, as TextEncoder writes U+FFFD for it). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index += codeUnitsAt(text, index)) bytes += utf8BytesAt(text, index);
  return bytes;
}

/** UTF-8 bytes of the code point starting at `index` (4 for a surrogate pair, 3 for a lone surrogate). */
export function utf8BytesAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  return codeUnitsAt(text, index) === 2 ? 4 : 3;
}

/** 2 when a surrogate pair starts at `index`, else 1. */
export function codeUnitsAt(text: string, index: number): 1 | 2 {
  const code = text.charCodeAt(index);
  if (code < 0xd800 || code > 0xdbff) return 1;
  const next = text.charCodeAt(index + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}
