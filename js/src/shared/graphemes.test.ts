import { describe, expect, it } from "vitest";
import { clusterOf, perCodePoint, tokenLabel } from "./graphemes";
import { codePointsToUtf16 } from "./text";

describe("clusterOf", () => {
  const text = "hi 👨\u200d👩\u200d👧 ok 👍🏽 e\u0301!";
  const u16 = perCodePoint(text);
  it("joins the code points of a ZWJ emoji from any of them", () => {
    for (const i of [3, 4, 5, 6, 7]) expect(clusterOf(text, u16, i)).toEqual([3, 7]);
  });
  it("joins an emoji with its skin tone and a letter with its combining accent", () => {
    expect(clusterOf(text, u16, 12)).toEqual([12, 13]);
    expect(clusterOf(text, u16, 16)).toEqual([15, 16]);
  });
  it("leaves a character that is its own token alone", () => {
    for (const i of [0, 1, 2, 8, 14, 17]) expect(clusterOf(text, u16, i)).toEqual([i, i]);
  });
  it("leaves a token that covers its whole cluster alone (byte-level BPE pieces share offsets)", () => {
    const t = "a👨\u200d👩b";
    const whole = codePointsToUtf16(t, Int32Array.from([0, 1, 1, 4, 1, 4, 4, 5]));
    expect(clusterOf(t, whole, 1)).toEqual([1, 1]);
    expect(clusterOf(t, whole, 2)).toEqual([2, 2]);
  });
});

describe("tokenLabel", () => {
  it("names characters that draw nothing by their code point", () => {
    expect(tokenLabel("\u200d")).toBe("U+200D");
    expect(tokenLabel("\ufe0f")).toBe("U+FE0F");
    expect(tokenLabel("👩")).toBe('"👩"');
    expect(tokenLabel(" ")).toBe('"\u2423"');
  });
});
