/**
 * The Dify stand-in's long answer text (`[long=N]`), shared by the stand-in and the tests that check what the follower got.
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
