import { describe, expect, it } from "vitest";
import { diffText, pieces, wordDiff, words } from "./robustness_diff";

const A = "The plot was dull.";

describe("robustness_diff: word diff", () => {
  it("splits words and punctuation with UTF-16 positions", () => {
    expect(words("It's dull, 😀 ok").map((w) => [w.text, w.start, w.end])).toEqual([
      ["It's", 0, 4], ["dull", 5, 9], [",", 9, 10], ["😀", 11, 13], ["ok", 14, 16],
    ]);
  });

  it("marks an inserted word", () => {
    const d = wordDiff("The plot was dull.", "The plot was not dull.");
    expect(d.words.filter((w) => w.mark !== "same").map((w) => [w.text, w.mark])).toEqual([["not", "ins"]]);
    expect(d.dropped).toEqual([]);
    expect(diffText(d)).toBe("1 inserted");
  });

  it("marks a replaced word with the old word", () => {
    const d = wordDiff("The acting was wonderful, and dull.", "The acting was terrible, and brilliant.");
    expect(d.words.filter((w) => w.mark === "sub").map((w) => [w.text, w.was])).toEqual([
      ["terrible", "wonderful"], ["brilliant", "dull"],
    ]);
    expect(diffText(d)).toBe("2 replaced");
  });

  it("places dropped words before the next word, or at the end", () => {
    const d = wordDiff("The plot was not dull at all", "The plot dull at");
    expect(d.dropped).toEqual([{ at: 9, text: "was not" }, { at: 16, text: "all" }]);
    expect(d.counts.del).toBe(3);
    const ps = pieces("The plot dull at", d, null);
    expect(ps.map((p) => [p.text, p.mark])).toEqual([
      ["The plot ", ""], ["was not", "del"], [" ", "gap"], ["dull at", ""], [" ", "gap"], ["all", "del"],
    ]);
  });

  it("marks moved words (shuffles) without striking anything", () => {
    const d = wordDiff("a b c d", "d a b c");
    expect(d.words.map((w) => w.mark)).toEqual(["moved", "same", "same", "same"]);
    expect(d.dropped).toEqual([]);
    expect(diffText(d)).toBe("1 moved");
  });

  it("an unchanged text has no marks; a huge one falls back to replacing the middle", () => {
    expect(diffText(wordDiff(A, A))).toBe("no word changed");
    const many = Array.from({ length: 2100 }, (_, i) => `w${i}`);
    const d = wordDiff(["x", ...many, "y"].join(" "), ["x", ...many.reverse(), "y"].join(" "));
    expect(d.words[0].mark).toBe("same");
    expect(d.words[d.words.length - 1].mark).toBe("same");
  });
});

describe("robustness_diff: pieces", () => {
  it("cuts the text at tokens and marks, keeping every character in order", () => {
    const text = "The plot was not dull.";
    const offsets = [0, 0, 0, 3, 4, 8, 9, 12, 13, 16, 17, 21, 21, 22]; // [CLS] + words + "."
    const ps = pieces(text, wordDiff("The plot was dull.", text), offsets);
    expect(ps.map((p) => p.text).join("")).toBe(text);
    const not = ps.find((p) => p.text === "not")!;
    expect(not).toMatchObject({ tok: 4, mark: "ins" });
    expect(ps.find((p) => p.text === "dull")).toMatchObject({ tok: 5, mark: "" });
    expect(ps.filter((p) => p.tok < 0).every((p) => p.text.trim() === "")).toBe(true);
  });

  it("a word of several tokens keeps one word index (one box)", () => {
    const text = "It was forgettable.";
    const offsets = [0, 2, 3, 6, 7, 13, 13, 18, 18, 19];
    const ps = pieces(text, wordDiff("It was memorable.", text), offsets);
    const parts = ps.filter((p) => p.mark === "sub");
    expect(parts.map((p) => p.text)).toEqual(["forget", "table"]);
    expect(new Set(parts.map((p) => p.word)).size).toBe(1);
    expect(parts[0].was).toBe("memorable");
  });

  it("code-point offsets land on the right characters after an emoji", () => {
    const text = "😀 good";
    const ps = pieces(text, null, [0, 1, 2, 6]);
    expect(ps.map((p) => [p.text, p.tok])).toEqual([["😀", 0], [" ", -1], ["good", 1]]);
  });
});
