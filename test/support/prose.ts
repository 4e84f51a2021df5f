/**
 * The Dify stand-in's long answer text, reproduced inside workerd so tests can compare what the follower got.
 * Must match chineseProse in mock-dify.ts.
 */
export function chineseProse(length: number): string {
  const sentence = "微信公众号的回答需要完整送达每一位关注者，而且顺序不能错乱。";
  let out = "";
  let sinceBreak = 0;
  while (out.length < length) {
    out += sentence;
    sinceBreak += sentence.length;
    if (sinceBreak > 200) {
      out += "\n\n";
      sinceBreak = 0;
    }
  }
  return out.slice(0, length);
}
