// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TokenStrip, codePointLength, codePointsToUtf16, splitBlocks, tokenSegments } from "./text";
import { FakeIntersectionObserver } from "../testing/fake_io";

/** Python-style per-code-point tokens for `text`: [[0,1],[1,2],...] flattened. */
function charTokens(text: string): number[] {
  const n = Array.from(text).length;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i, i + 1);
  return out;
}

describe("code-point offsets -> UTF-16", () => {
  it("emoji counts 1 in Python and 2 in JS", () => {
    expect(Array.from(codePointsToUtf16("a🙂b", [0, 1, 1, 2, 2, 3]))).toEqual([0, 1, 1, 3, 3, 4]);
  });
  it("BMP-only text (CJK, combining marks, \\r\\n) is unchanged", () => {
    for (const text of ["漢字かな", "e\u0301a\u0308", "a\r\nb\r\n"]) {
      const offs = charTokens(text);
      expect(Array.from(codePointsToUtf16(text, offs))).toEqual(offs);
    }
  });
  it("ZWJ sequences count each code point", () => {
    const text = "👨\u200d👩\u200d👧x"; // 6 code points, 9 UTF-16 units
    expect(codePointLength(text)).toBe(6);
    expect(Array.from(codePointsToUtf16(text, [0, 1, 1, 2, 5, 6, 0, 6]))).toEqual([0, 2, 2, 3, 8, 9, 0, 9]);
  });
  it("every code point of a mixed string maps to exactly its characters", () => {
    const text = "x🙂漢\r\n𝔘e\u0301👍🏽 \t😀";
    const chars = Array.from(text);
    const u16 = codePointsToUtf16(text, charTokens(text));
    chars.forEach((ch, i) => expect(text.slice(u16[2 * i], u16[2 * i + 1])).toBe(ch));
    expect(codePointLength(text)).toBe(chars.length);
  });
  it("clamps out-of-range offsets", () => {
    expect(Array.from(codePointsToUtf16("a🙂", [-3, 99]))).toEqual([0, 3]);
    expect(Array.from(codePointsToUtf16("ab", [5]))).toEqual([2]);
  });
});

describe("tokenSegments", () => {
  it("skips empty tokens, does not repeat covered characters, and keeps every token", () => {
    //           special   "ab"  overlap "bcd" inside   backwards  "e"
    const u16 = [0, 0, 0, 2, 1, 4, 2, 3, 0, 1, 4, 5];
    const s = tokenSegments(u16);
    // "inside" and "backwards" cover only characters already shown: empty pieces (markers)
    // where the text has got to, in token order.
    expect(Array.from(s.tok)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(s.start)).toEqual([0, 2, 4, 4, 4]);
    expect(Array.from(s.end)).toEqual([2, 4, 4, 4, 5]);
  });
  it("draws each byte-level BPE piece of one character (duplicated offsets)", () => {
    const s = tokenSegments([0, 1, 1, 3, 1, 3, 1, 3, 3, 4]);
    expect(Array.from(s.tok)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(s.end)).toEqual([1, 3, 3, 3, 4]);
  });
});

describe("splitBlocks", () => {
  const line = "x".repeat(69) + "\n";
  it("cuts just after a newline, about 2000 units per block, covering the text exactly", () => {
    const text = line.repeat(200); // 14000 chars
    const seg = tokenSegments(codePointsToUtf16(text, charTokens(text)));
    const blocks = splitBlocks(text, seg, 2000);
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    let pos = 0;
    let k = 0;
    for (const b of blocks) {
      expect(b.start).toBe(pos);
      expect(b.segFrom).toBe(k);
      expect(b.end - b.start).toBeLessThanOrEqual(2000);
      if (b.end < text.length) expect(text[b.end - 1]).toBe("\n");
      for (let j = b.segFrom; j < b.segTo; j++) {
        expect(seg.start[j]).toBeGreaterThanOrEqual(b.start);
        expect(seg.end[j]).toBeLessThanOrEqual(b.end);
      }
      pos = b.end;
      k = b.segTo;
    }
    expect(pos).toBe(text.length);
    expect(k).toBe(seg.length);
  });
  it("never cuts inside a token", () => {
    const text = "y".repeat(5000);
    const seg = tokenSegments([0, 1500, 1500, 2600, 2600, 5000]);
    const blocks = splitBlocks(text, seg, 2000);
    expect(blocks.map((b) => [b.start, b.end])).toEqual([[0, 2600], [2600, 5000]]);
  });
  it("never splits a surrogate pair in untokenized text", () => {
    const text = "🙂".repeat(3000);
    const blocks = splitBlocks(text, tokenSegments([]), 999);
    for (const b of blocks) expect(b.start % 2).toBe(0);
    expect(blocks[blocks.length - 1].end).toBe(text.length);
  });
  it("empty text has no blocks", () => {
    expect(splitBlocks("", tokenSegments([]))).toEqual([]);
  });
});

describe("TokenStrip (DOM)", () => {
  beforeEach(() => {
    FakeIntersectionObserver.instances = [];
    vi.stubGlobal("IntersectionObserver", FakeIntersectionObserver);
  });
  afterEach(() => vi.unstubAllGlobals());

  function mount(text: string, offsets: number[], blockSize = 2000) {
    const container = document.createElement("div");
    document.body.appendChild(container);
    const strip = new TokenStrip(container, { blockSize });
    strip.setText(text, offsets);
    return { container, strip, io: FakeIntersectionObserver.latest() };
  }

  it("starts as raw text blocks, one text node each", () => {
    const text = "hello\nworld ".repeat(1000);
    const { container, io } = mount(text, charTokens(text));
    const blocks = container.querySelectorAll(".iw-block");
    expect(blocks.length).toBeGreaterThan(4);
    for (const b of blocks) expect(b.childNodes.length).toBe(1);
    expect(container.textContent).toBe(text);
    expect(container.querySelectorAll(".iw-tok").length).toBe(0);
    expect(io.options?.root).toBe(container);
  });

  it("materializes near blocks into token spans, text untouched, markup shown as characters", async () => {
    const text = "<img src=x onerror=alert(1)> a🙂b\n";
    const offsets = [0, 4, 4, 28, 0, 0, 29, 30, 30, 31, 31, 32];
    const { container, strip, io } = mount(text, offsets);
    const painted = strip.paint((span, i) => { span.style.color = `rgb(${i}, 0, 0)`; });
    io.fire();
    expect(await painted).toBe(true);
    expect(container.querySelector("img")).toBeNull();
    expect(container.textContent).toBe(text);
    const toks = [...container.querySelectorAll<HTMLElement>(".iw-tok")];
    expect(toks.map((t) => t.dataset.i)).toEqual(["0", "1", "3", "4", "5"]);
    expect(toks.map((t) => t.textContent)).toEqual(["<img", " src=x onerror=alert(1)>", "a", "🙂", "b"]);
    expect(toks[3].style.color).toBe("rgb(4, 0, 0)");
    expect(strip.tokenText(4)).toBe("🙂");
    expect(strip.tokenAt(toks[2].firstChild)).toBe(3);
  });

  it("colours visible blocks now and stale ones when they come into view", async () => {
    const text = "ab\n".repeat(3000);
    const { container, strip, io } = mount(text, charTokens(text), 1000);
    const blocks = [...container.querySelectorAll(".iw-block")];
    let calls = 0;
    const first = strip.paint((span) => { calls++; span.style.color = "red"; });
    io.fire((_, i) => i === 0);
    expect(await first).toBe(true);
    expect(blocks[0].querySelector(".iw-tok")).not.toBeNull();
    expect(blocks[2].querySelector(".iw-tok")).toBeNull(); // not near: still one text node
    const perBlock = calls;
    // A new colouring: applied to the visible block at once, not to the far ones.
    const second = strip.paint((span) => { calls++; span.style.color = "blue"; });
    expect(await second).toBe(true);
    expect(calls).toBe(2 * perBlock);
    expect((blocks[0].querySelector(".iw-tok") as HTMLElement).style.color).toBe("blue");
    io.fire((_, i) => i === 2);
    const tok = blocks[2].querySelector(".iw-tok") as HTMLElement;
    expect(tok.style.color).toBe("blue");
    expect(container.textContent).toBe(text);
  });

  it("a superseded paint resolves false; hidden text waits for the observer", async () => {
    const { strip, io } = mount("abc", [0, 1, 1, 2, 2, 3]);
    const a = strip.paint(() => undefined);
    const b = strip.paint(() => undefined);
    expect(await a).toBe(false);
    let done = false;
    b.then(() => { done = true; });
    io.fire(() => false);
    await Promise.resolve();
    expect(done).toBe(false);
    io.fire(() => true);
    expect(await b).toBe(true);
    strip.destroy();
    expect(io.disconnected).toBe(true);
  });

  it("handles a 1,000,000-character text quickly", () => {
    const text = "the quick brown fox\n".repeat(50000);
    const t0 = performance.now();
    const { container } = mount(text, charTokens(text));
    expect(container.querySelectorAll(".iw-block").length).toBeGreaterThan(400);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
