import { describe, expect, it } from "vitest";
import { LEVELS, collectLines, focusStrokes, strokeFocus, type Focus } from "./attention_lines";
import type { RGB } from "../shared/colors";

const RED: RGB = [200, 0, 0];
const BLUE: RGB = [0, 0, 250];

/** Quintuples of focusStrokes as [token, r, g, b, alpha] rows. */
function rows(a: Float64Array): number[][] {
  const out = [];
  for (let k = 0; k < a.length; k += 5) out.push(Array.from(a.slice(k, k + 5)));
  return out;
}

/** What drawing each line on its own does to one fully covered pixel: source-over of
 *  (colour, level / LEVELS) in drawing order, as [r, g, b, alpha] (colour not premultiplied). */
function sourceOver(lines: [RGB, number][]): number[] {
  let [r, g, b, a] = [0, 0, 0, 0];
  for (const [c, level] of lines) {
    const s = level / LEVELS;
    r = c[0] * s + r * (1 - s);
    g = c[1] * s + g * (1 - s);
    b = c[2] * s + b * (1 - s);
    a = s + a * (1 - s);
  }
  return [r / a, g / a, b / a, a];
}

/** A context that notes the calls strokeFocus makes. */
function recorder() {
  const calls: string[] = [];
  const paths: { style: string; alpha: number; segs: number[][] }[] = [];
  let segs: number[][] = [];
  const ctx = {
    strokeStyle: "", globalAlpha: 0.5,
    beginPath() { segs = []; },
    moveTo(x: number, y: number) { segs.push([x, y]); },
    lineTo(x: number, y: number) { segs[segs.length - 1].push(x, y); },
    stroke() { calls.push("stroke"); paths.push({ style: String(this.strokeStyle), alpha: this.globalAlpha, segs }); },
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, calls, paths };
}

describe("a focused token's lines, one per token", () => {
  // two heads, query 0 of a 2 × 3 stack: head 0 (red) and head 1 (blue)
  const n = 2;
  const v = new Float32Array(2 * n * 3);
  v[0 * 6 + 0] = 0.5; // head 0 → key 0
  v[1 * 6 + 0] = 0.5; // head 1 → key 0: both heads, drawn red then blue
  v[0 * 6 + 1] = 1; // head 0 only → key 1
  v[1 * 6 + 2] = 0.25; // head 1 only → key 2
  const focus: Focus = { side: "q", i: 0 };

  it("focusStrokes: each token's colour and opacity are its heads' lines drawn over one another", () => {
    const got = rows(focusStrokes(v, n, [0, 1], [RED, BLUE], focus, 1, 0.004, 3));
    expect(got.map((r) => r[0])).toEqual([0, 1, 2]);
    const want: [RGB, number][][] = [
      [[RED, LEVELS / 2], [BLUE, LEVELS / 2]],
      [[RED, LEVELS]],
      [[BLUE, LEVELS / 4]],
    ];
    got.forEach((r, t) => sourceOver(want[t]).forEach((x, c) => expect(r[c + 1]).toBeCloseTo(x, 9)));
    // the later head on top: blue over red at half opacity each is 2/3 blue
    expect(got[0].slice(1)).toEqual([200 / 3, 0, 500 / 3, 0.75]);
    // head order matters (source-over is not symmetric): the other order is mostly red
    const swapped = rows(focusStrokes(v, n, [1, 0], [BLUE, RED], focus, 1, 0.004, 3));
    expect(swapped[0].slice(1)).toEqual([400 / 3, 0, 250 / 3, 0.75]);
  });

  it("focusStrokes keeps collectLines's opacity steps: gain, rounding, faint lines at step 1", () => {
    const gain = 1 / 0.8;
    const w = new Float32Array(n * 3);
    w[0] = 0.8;
    w[1] = 0.3;
    w[2] = 0.001; // below minFocus: no line
    const one = rows(focusStrokes(w, n, [0], [RED], focus, gain, 0.004, 3));
    const lines = collectLines(w, n, 0, focus, 0, 0, gain, 0.004, 3);
    expect(one.map((r) => [0, r[0], Math.round(r[4] * LEVELS)])).toEqual([[0, 0, lines[2]], [0, 1, lines[5]]]);
    expect(one.every((r) => r[1] === 200 && r[2] === 0 && r[3] === 0)).toBe(true);
    // a key token's lines come from every query
    const k = rows(focusStrokes(v, n, [0, 1], [RED, BLUE], { side: "k", i: 1 }, 1, 0.004, 3));
    expect(k.map((r) => r[0])).toEqual([0]);
    expect(focusStrokes(v, n, [0, 1], [RED, BLUE], { side: "q", i: 2 }, 1, 0.004, 3).length).toBe(0);
  });

  it("strokeFocus: one line per token from the focused row, one stroke per colour, opacity in the colour", () => {
    const strokes = focusStrokes(v, n, [0, 1], [RED, BLUE], focus, 1, 0.004, 3);
    const { ctx, paths } = recorder();
    const y = (i: number) => 10 + 20 * i;
    strokeFocus(ctx, strokes, focus, 300, y);
    expect(paths.map((p) => p.segs)).toEqual([[[0, 10, 300, 10]], [[0, 10, 300, 30]], [[0, 10, 300, 50]]]);
    expect(paths.every((p) => p.alpha === 1)).toBe(true);
    expect(paths.map((p) => p.style)).toEqual(["rgba(67, 0, 167, 0.749)", "rgba(200, 0, 0, 1.000)", "rgba(0, 0, 250, 0.251)"]);
    // tokens of one colour share a stroke; a key focus draws from each query to the key's row
    const same = new Float64Array([0, 200, 0, 0, 1, 2, 200, 0, 0, 1]);
    const r2 = recorder();
    strokeFocus(r2.ctx, same, { side: "k", i: 1 }, 300, y);
    expect(r2.calls).toEqual(["stroke"]);
    expect(r2.paths[0].segs).toEqual([[0, 10, 300, 30], [0, 50, 300, 30]]);
  });
});
