// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  LayerCache, argmaxCell, clampInt, decodeRollout, decodeThumbs, keyChoice, decodeLayer, decodeMeasures, displayToken, headOffset, layerKey, maxOf,
  normalizeHeads, pickMeasure, poolMax, rangeOf, readGroups, separatorIndex, thumbRect, toggleHead, visibleRows, weightAt,
  type LayerData,
} from "./attention_data";
import { LEVELS, collectLines, focusMax } from "./attention_head";
import { cellOrigin, gridCellAt, gridLayout } from "./attention_grid";
import { cellValue, labelStep, matrixLayout, tokenAt } from "./attention_matrix";
import { formatWeight, shortNumber } from "./attention_panes";
import { LOG_DECADES, SPECIAL, rolloutDisplay, rolloutShares } from "./attention_rollout";
import { paintMatrix } from "../shared/canvas";
import {
  HEAD_PALETTE, LUT_SIZE, SEQUENTIAL_STOPS, headColor, lutIndex, scaleUnit, sequential, sequentialAt, sequentialLut,
} from "../shared/sequential";
import { hexToRgb, MISSING, rgbString } from "../shared/colors";
import { INK, textBackground, themeOf } from "../shared/text_scale";
import widget from "./attention_view";
import { FakeModel } from "../testing/fake_model";
import { checkErrorBox } from "../testing/error_box_check";
import zh from "../../../interpwidgets/i18n/zh.json";

/** A [H, n, n] stack where head h, query i, key j holds (h * 100 + i * 10 + j) / 1000. */
function ramp(H: number, n: number): Float32Array {
  const v = new Float32Array(H * n * n);
  for (let h = 0; h < H; h++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[h * n * n + i * n + j] = (h * 100 + i * 10 + j) / 1000;
  return v;
}

/** uint8-with-scale encoding, as interpwidgets.codec.encode(x, "uint8") does it. */
function u8(values: number[] | Float32Array, shape: number[]) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of values) if (!Number.isNaN(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  const scale = hi > lo ? (hi - lo) / 254 : 1;
  const q = Uint8Array.from(values, (x) => (Number.isNaN(x) ? 255 : Math.round((x - lo) / scale)));
  return { dtype: "uint8", shape, buffer: new DataView(q.buffer), scale, offset: lo };
}
function f32(values: number[] | Float32Array, shape: number[]) {
  const a = Float32Array.from(values);
  return { dtype: "float32", shape, buffer: new DataView(a.buffer) };
}

describe("indexing into [heads, n, n]", () => {
  it("headOffset and weightAt address query × key of each head", () => {
    const v = ramp(3, 4);
    expect(headOffset(2, 4)).toBe(32);
    expect(weightAt(v, 4, 0, 0, 0)).toBeCloseTo(0);
    expect(weightAt(v, 4, 2, 3, 1)).toBeCloseTo(0.231);
    expect(weightAt(v, 4, 1, 0, 3)).toBeCloseTo(0.103);
  });
  it("maxOf ignores NaN and reads only its slice", () => {
    const v = Float32Array.from([5, NaN, 0.2, 0.7, NaN, 0.1]);
    expect(maxOf(v, 1, 3)).toBeCloseTo(0.7);
    expect(maxOf(v, 4, 1)).toBe(0);
    expect(rangeOf([NaN, 3, -1, 2])).toEqual([-1, 3]);
    expect(rangeOf([NaN])).toEqual([0, 0]);
  });
  it("decodeLayer checks the shape and finds each head's max", () => {
    const v = ramp(2, 3);
    const d = decodeLayer({ layer: 4, values: f32(v, [2, 3, 3]) as never }, 2, 3)!;
    expect(d.layer).toBe(4);
    expect(d.headMax[0]).toBeCloseTo(0.022);
    expect(d.headMax[1]).toBeCloseTo(0.122);
    expect(() => decodeLayer({ layer: 0, values: f32(v, [3, 3, 2]) as never }, 2, 3)).toThrow(/expected shape \[2, 3, 3\]/);
    expect(decodeLayer(null, 2, 3)).toBeNull();
  });
  it("decodeLayer reads uint8 with scale (q = 255 is NaN)", () => {
    const vals = [0, 0.5, 1, NaN];
    const d = decodeLayer({ layer: 0, values: u8(vals, [1, 2, 2]) as never }, 1, 2)!;
    expect(d.values[1]).toBeCloseTo(0.5, 2);
    expect(Number.isNaN(d.values[3])).toBe(true);
    expect(d.headMax[0]).toBeCloseTo(1, 5);
  });
});

/** A [H, n, nk] stack where head h, query i, key j holds (h * 100 + i * 10 + j) / 1000. */
function rampRect(H: number, n: number, nk: number): Float32Array {
  const v = new Float32Array(H * n * nk);
  for (let h = 0; h < H; h++) for (let i = 0; i < n; i++) for (let j = 0; j < nk; j++) v[h * n * nk + i * nk + j] = (h * 100 + i * 10 + j) / 1000;
  return v;
}

describe("rectangular attention (queries ≠ keys: cross attention)", () => {
  it("headOffset and weightAt address query × key of a [heads, n, nk] stack", () => {
    const v = rampRect(2, 3, 5);
    expect(headOffset(1, 3, 5)).toBe(15);
    expect(weightAt(v, 3, 1, 2, 4, 5)).toBeCloseTo(0.124);
    expect(weightAt(v, 3, 0, 1, 3, 5)).toBeCloseTo(0.013);
  });
  it("decodeLayer checks [heads, n, nk], keeps the group and finds each head's max", () => {
    const v = rampRect(2, 3, 5);
    const d = decodeLayer({ group: 2, layer: 1, values: f32(v, [2, 3, 5]) as never }, 2, 3, 5)!;
    expect([d.group, d.layer, d.n, d.nk]).toEqual([2, 1, 3, 5]);
    expect(d.headMax[1]).toBeCloseTo(0.124);
    expect(() => decodeLayer({ layer: 1, values: f32(v, [2, 5, 3]) as never }, 2, 3, 5)).toThrow(/expected shape \[2, 3, 5\], got \[2,5,3\]/);
  });
  it("poolMax pools a rows × cols rectangle out of a stack", () => {
    const v = rampRect(2, 3, 5);
    const p = poolMax(v, 15, 3, 5, 5, 2);
    expect([p.rows, p.cols]).toEqual([2, 3]);
    expect(p.data[0]).toBeCloseTo(0.111); // head 1, rows 0-1, cols 0-1
    expect(p.data[2]).toBeCloseTo(0.114); // the partial last column
    expect(p.data[5]).toBeCloseTo(0.124); // the partial last row and column
  });
  it("collectLines and focusMax: n queries on the left, nk keys on the right", () => {
    const n = 2;
    const nk = 4;
    const v = new Float32Array(n * nk);
    v[0 * nk + 3] = 1; // query 0 → key 3
    v[1 * nk + 2] = 0.5; // query 1 → key 2
    const triples = (a: Int32Array) => { const t = []; for (let k = 0; k < a.length; k += 3) t.push([a[k], a[k + 1], a[k + 2]]); return t; };
    // band rows [2, 4): no query row there, key rows 2 and 3
    expect(triples(collectLines(v, n, 0, null, 2, 4, 1, 0.004, nk))).toEqual([[1, 2, LEVELS / 2], [0, 3, LEVELS]]);
    expect(triples(collectLines(v, n, 0, { side: "k", i: 3 }, 0, 0, 1, 0.004, nk))).toEqual([[0, 3, LEVELS]]);
    expect(triples(collectLines(v, n, 0, { side: "q", i: 1 }, 0, 0, 1, 0.004, nk))).toEqual([[1, 2, LEVELS / 2]]);
    expect(collectLines(v, n, 0, { side: "q", i: 3 }, 0, 0, 1, 0.004, nk).length).toBe(0); // no query 3
    expect(focusMax(v, n, [0], { side: "k", i: 2 }, nk)).toBeCloseTo(0.5);
    expect(focusMax(v, n, [0], { side: "q", i: 0 }, nk)).toBeCloseTo(1);
  });
  it("matrixLayout: square cells sized by the longer side; tokenAt per axis", () => {
    const l = matrixLayout(4, 600, 1, 300, undefined, 10);
    expect(l).toMatchObject({ k: 1, rows: 4, cols: 10, cell: 30, w: 300, h: 120, labels: true });
    expect(tokenAt(100, l, 10)).toBe(3);
    expect(tokenAt(100, l, 4)).toBe(3);
    expect(tokenAt(130, l, 4)).toBe(-1); // below the last row
    const big = matrixLayout(100, 600, 1, undefined, undefined, 2000);
    expect(big).toMatchObject({ k: 4, rows: 25, cols: 500 });
  });
  it("thumbRect keeps a thumbnail's aspect inside its square cell", () => {
    expect(thumbRect(8, 8, 40)).toEqual([0, 0, 40, 40]);
    expect(thumbRect(8, 32, 40)).toEqual([0, 15, 40, 10]);
    expect(thumbRect(32, 16, 40)).toEqual([10, 0, 20, 40]);
    const th = decodeThumbs(f32(new Float32Array(2 * 3 * 2 * 5), [2, 3, 2, 5]), 2, 3)!;
    expect([th.t, th.tk]).toEqual([2, 5]);
  });
  it("readGroups: the groups trait, else one group of the plain traits", () => {
    const state: Record<string, unknown> = { tokens: ["a", "b"], n_layers: 2, n_heads: 1, sentence_b_start: 1 };
    const one = readGroups((k) => state[k]);
    expect(one.length).toBe(1);
    expect(one[0]).toMatchObject({ tokens: ["a", "b"], keyTokens: ["a", "b"], layerLabels: ["0", "1"], headLabels: ["0"], sep: 1 });
    state.groups = [{ name: "Cross", tokens: ["x"], key_tokens: ["a", "b"], n_layers: 1, n_heads: 2, sentence_b_start: 1 }];
    const g = readGroups((k) => state[k]);
    expect(g[0]).toMatchObject({ name: "Cross", tokens: ["x"], keyTokens: ["a", "b"], headLabels: ["0", "1"], sep: -1 });
  });
  it("LayerCache keys layers by (group, layer)", () => {
    const c = new LayerCache(8, 1e9);
    c.put({ group: 1, layer: 0, heads: 1, n: 1, nk: 2, values: new Float32Array(2), headMax: new Float32Array(1) });
    c.put({ group: 0, layer: 0, heads: 1, n: 2, values: new Float32Array(4), headMax: new Float32Array(1) });
    expect(c.size).toBe(2);
    expect(c.get(layerKey(1, 0))!.nk).toBe(2);
    expect(c.get(0)!.n).toBe(2);
  });
});

describe("poolMax", () => {
  it("takes the max of each k × k block, partial blocks at the edge", () => {
    // 5 × 5 matrix with one large value per block region
    const n = 5;
    const m = new Float32Array(n * n);
    m[0 * n + 1] = 0.9; // block (0, 0)
    m[3 * n + 4] = 0.7; // block (1, 2) partial column
    m[4 * n + 0] = 0.4; // block (2, 0) partial row
    const p = poolMax(m, 0, n, n, n, 2);
    expect([p.rows, p.cols]).toEqual([3, 3]);
    expect(Array.from(p.data).map((x) => Math.round(x * 10) / 10)).toEqual([0.9, 0, 0, 0, 0, 0.7, 0.4, 0, 0]);
  });
  it("pools one head out of a stack using offset and stride", () => {
    const v = ramp(2, 4);
    const p = poolMax(v, headOffset(1, 4), 4, 4, 4, 2);
    expect(p.data[0]).toBeCloseTo(0.111);
    expect(p.data[3]).toBeCloseTo(0.133);
  });
  it("a block is NaN only when all of it is NaN", () => {
    const p = poolMax([NaN, 0.3, NaN, NaN], 0, 2, 2, 2, 2);
    expect(p.data[0]).toBeCloseTo(0.3);
    expect(Number.isNaN(poolMax([NaN, NaN, NaN, NaN], 0, 2, 2, 2, 2).data[0])).toBe(true);
    expect(poolMax([1, 2, 3, 4], 0, 2, 2, 2, 1).data).toEqual(Float32Array.from([1, 2, 3, 4]));
  });
});

describe("head view arithmetic", () => {
  it("visibleRows covers the band, with overscan, clamped", () => {
    expect(visibleRows(0, 100, 20, 512)).toEqual([0, 5]);
    expect(visibleRows(30, 100, 20, 512)).toEqual([1, 7]);
    expect(visibleRows(30, 100, 20, 512, 2)).toEqual([0, 9]);
    expect(visibleRows(10_230, 520, 20, 512, 2)).toEqual([509, 512]);
    expect(visibleRows(-50, 100, 20, 3)).toEqual([0, 3]);
    expect(visibleRows(0, 100, 20, 0)).toEqual([0, 0]);
  });
  it("collectLines: rows touching the band, skipping tiny weights", () => {
    const n = 4;
    const v = new Float32Array(n * n);
    v[0 * n + 0] = 1; // (0, 0) inside
    v[3 * n + 1] = 0.5; // (3, 1): key row visible
    v[3 * n + 3] = 0.5; // (3, 3): neither end visible
    v[1 * n + 2] = 0.001; // too small
    const lines = collectLines(v, n, 0, null, 0, 2);
    const triples = [];
    for (let k = 0; k < lines.length; k += 3) triples.push([lines[k], lines[k + 1], lines[k + 2]]);
    expect(triples).toEqual([[0, 0, LEVELS], [3, 1, LEVELS / 2]]);
  });
  it("collectLines with a focus: every line of that token, faint ones kept at level 1", () => {
    const n = 3;
    const v = new Float32Array(2 * n * n);
    v[n * n + 2 * n + 0] = 0.8; // head 1, query 2 → key 0
    v[n * n + 2 * n + 1] = 0.01; // faint but shown
    v[n * n + 0 * n + 1] = 0.3; // head 1, query 0 → key 1
    const q = collectLines(v, n, 1, { side: "q", i: 2 }, 0, 0);
    expect(Array.from(q)).toEqual([2, 0, Math.round(0.8 * LEVELS), 2, 1, 1]);
    const k = collectLines(v, n, 1, { side: "k", i: 1 }, 0, 0);
    expect(Array.from(k)).toEqual([0, 1, Math.round(0.3 * LEVELS), 2, 1, 1]);
    expect(collectLines(v, n, 0, { side: "q", i: 2 }, 0, 0).length).toBe(0);
    // gain scales opacity (the strongest line of a hovered token at full opacity)
    expect(focusMax(v, n, [0, 1], { side: "q", i: 2 })).toBeCloseTo(0.8);
    const g = collectLines(v, n, 1, { side: "q", i: 2 }, 0, 0, 1 / 0.8);
    expect(Array.from(g.slice(0, 3))).toEqual([2, 0, LEVELS]);
  });
  it("heads: normalize, toggle, only", () => {
    expect(normalizeHeads(undefined, 3)).toEqual([0, 1, 2]);
    expect(normalizeHeads([2, 2, 0, 7, -1, "1", 1.5], 3)).toEqual([0, 1, 2]);
    expect(toggleHead([0, 1, 2], 1)).toEqual([0, 2]);
    expect(toggleHead([0, 2], 1)).toEqual([0, 1, 2]);
    expect(toggleHead([0, 1, 2], 1, true)).toEqual([1]);
    expect(clampInt("x", 0, 5, 2)).toBe(2);
    expect(clampInt(9, 0, 5)).toBe(5);
    expect(clampInt(-3, -1, 5)).toBe(-1);
  });
});

describe("keys and trait decoding", () => {
  it("arrows move layer and head within bounds, Escape unpins", () => {
    const at = { layer: 0, head: 2, token: 4 };
    expect(keyChoice("ArrowUp", at, 3, 3)).toBeNull();
    expect(keyChoice("ArrowDown", at, 3, 3)).toEqual({ layer: 1 });
    expect(keyChoice("ArrowRight", at, 3, 3)).toBeNull();
    expect(keyChoice("ArrowLeft", at, 3, 3)).toEqual({ head: 1 });
    expect(keyChoice("Escape", at, 3, 3)).toEqual({ token: -1 });
    expect(keyChoice("Escape", { ...at, token: -1 }, 3, 3)).toBeNull();
    expect(keyChoice("a", at, 3, 3)).toBeNull();
  });
  it("thumbs and rollout: absent is null, a wrong shape throws with the shapes", () => {
    expect(decodeThumbs({}, 2, 3)).toBeNull();
    expect(decodeRollout({}, 4)).toBeNull();
    const th = decodeThumbs(f32(new Float32Array(2 * 3 * 4), [2, 3, 2, 2]), 2, 3)!;
    expect([th.layers, th.heads, th.t]).toEqual([2, 3, 2]);
    expect(() => decodeThumbs(f32(new Float32Array(24), [3, 2, 2, 2]), 2, 3)).toThrow(/\[2, 3, t, tk\], got \[3,2,2,2\]/);
    const r = decodeRollout(f32([0.5, 0.5, 0.1, 0.9], [2, 2]), 2)!;
    expect(r.vmax).toBeCloseTo(0.9);
    expect(() => decodeRollout(f32([1, 2, 3], [3]), 2)).toThrow(/rollout: expected shape \[2, 2\]/);
  });
});

describe("segment separator", () => {
  it("is drawn only when it splits the tokens into two non-empty parts", () => {
    expect(separatorIndex(5, 10)).toBe(5);
    expect(separatorIndex(-1, 10)).toBe(-1);
    expect(separatorIndex(0, 10)).toBe(-1);
    expect(separatorIndex(10, 10)).toBe(-1);
    expect(separatorIndex(2.5, 10)).toBe(-1);
    expect(separatorIndex(undefined, 10)).toBe(-1);
  });
});

describe("sequential colours", () => {
  it("runs from the first to the last Blues stop", () => {
    expect(sequentialAt(0)).toEqual(hexToRgb(SEQUENTIAL_STOPS[0]));
    expect(sequentialAt(1)).toEqual(hexToRgb("#08306b"));
    SEQUENTIAL_STOPS.forEach((hex, i) => expect(sequentialAt(i / 8)).toEqual(hexToRgb(hex)));
    expect(sequentialAt(1 / 16)).toEqual([235, 243, 251]); // halfway between #f7fbff and #deebf7
  });
  it("maps a value on [vmin, vmax], clipped; NaN is MISSING", () => {
    expect(sequential(0.5, 0.5)).toEqual(hexToRgb("#08306b"));
    expect(sequential(2, 1)).toEqual(hexToRgb("#08306b"));
    expect(sequential(-1, 1)).toEqual(hexToRgb("#f7fbff"));
    expect(sequential(NaN, 1)).toEqual(MISSING);
    expect(sequential(3, 4, 2)).toEqual(sequentialAt(0.5));
    expect(scaleUnit(1, 1, 1)).toBe(0);
    expect(scaleUnit(2, 1, 1)).toBe(1);
  });
  it("the lookup table agrees with the scale and paintMatrix uses it", () => {
    const lut = sequentialLut();
    expect(lut.length).toBe((LUT_SIZE + 1) * 3);
    expect(Array.from(lut.slice(0, 3))).toEqual(hexToRgb(SEQUENTIAL_STOPS[0]));
    expect(lutIndex(0.25, 0.5)).toBe(128);
    expect(lutIndex(NaN, 1)).toBe(LUT_SIZE);
    const rgba = new Uint8ClampedArray(2 * 2 * 4);
    paintMatrix(rgba, 2, 0, 0, [0, 0.5, NaN, 1], 0, 2, 2, 2, 1, lut, LUT_SIZE);
    expect(Array.from(rgba.slice(0, 4))).toEqual([...hexToRgb("#f7fbff"), 255]);
    expect(Array.from(rgba.slice(4, 7))).toEqual(Array.from(lut.slice(lutIndex(0.5, 1) * 3, lutIndex(0.5, 1) * 3 + 3)));
    expect(Array.from(rgba.slice(8, 11))).toEqual(MISSING);
    expect(Array.from(rgba.slice(12, 15))).toEqual(hexToRgb("#08306b"));
  });
  it("has 12 distinct head colours (Okabe–Ito hues, then darker on a light page)", () => {
    expect(new Set(HEAD_PALETTE).size).toBe(6);
    expect(new Set(Array.from({ length: 12 }, (_, h) => headColor(h).join())).size).toBe(12);
    expect(headColor(0)).toEqual(hexToRgb(HEAD_PALETTE[0]));
    const [r, g, b] = headColor(12);
    const [r0, g0, b0] = headColor(0);
    expect(r + g + b).toBeLessThan(r0 + g0 + b0);
  });
});

describe("measures", () => {
  const summary = {
    measures: [
      { key: "entropy", label: "entropy (bits)", values: f32([1, 2, 3, 4, 5, 6], [2, 3]) },
      { key: "to_prev", label: "→ previous token", values: f32([0.1, 0.9, 0.2, 0.3, 0.4, NaN], [2, 3]) },
      { key: "bad", label: "bad", values: f32([1, 2], [1, 2]) },
    ],
  };
  it("decodes the ones of shape [layers, heads] and reports the others", () => {
    const errors: string[] = [];
    const ms = decodeMeasures(summary, 2, 3, errors);
    expect(ms.map((m) => m.key)).toEqual(["entropy", "to_prev"]);
    expect(errors[0]).toMatch(/bad: expected shape \[2, 3\], got \[1,2\]/);
    expect(decodeMeasures({}, 2, 3)).toEqual([]);
  });
  it("picks by key, else the first; finds the strongest head", () => {
    const ms = decodeMeasures(summary, 2, 3);
    expect(pickMeasure(ms, "to_prev")!.label).toBe("→ previous token");
    expect(pickMeasure(ms, "nope")!.key).toBe("entropy");
    expect(pickMeasure([], "x")).toBeNull();
    expect(argmaxCell(ms[1])).toEqual([0, 1]);
    expect(argmaxCell(ms[0])).toEqual([1, 2]);
  });
  it("formats numbers for cells and tooltips", () => {
    expect(shortNumber(0.8312)).toBe("0.83");
    expect(shortNumber(12.44)).toBe("12.4");
    expect(shortNumber(-0.5)).toBe("-0.50");
    expect(formatWeight(0.12345)).toBe("0.123");
    expect(formatWeight(0)).toBe("0.000");
    expect(formatWeight(0.0000213)).toBe("0.0000213");
    expect(formatWeight(NaN)).toBe("missing");
  });
});

describe("layouts", () => {
  it("matrix: whole device pixels per cell, pooled when tokens outnumber pixels", () => {
    const small = matrixLayout(10, 300, 1);
    expect(small).toMatchObject({ k: 1, m: 10, cell: 30, labels: true, step: 1, values: true, size: 300 });
    // 9 tokens: big cells (up to 48 px), values printed in them
    expect(matrixLayout(9, 620, 1)).toMatchObject({ cell: 48, labels: true, step: 1, values: true });
    // 182 tokens in 620 px: 3 px per token, a label every 4th token
    expect(matrixLayout(182, 620, 1)).toMatchObject({ cell: 3, labels: false, step: 4, values: false });
    expect(labelStep(3, 182)).toBe(4);
    expect(labelStep(11, 40)).toBe(1);
    expect(labelStep(1, 20)).toBe(0); // every 11th of 20: no useful axis
    expect(cellValue(0.4249)).toBe(".42");
    expect(cellValue(1)).toBe("1");
    expect(cellValue(0.001)).toBe("<.01");
    expect(cellValue(0)).toBe("0");
    const big = matrixLayout(512, 600, 1);
    expect(big).toMatchObject({ k: 1, cell: 1, size: 512, labels: false, step: 11 });
    const hidpi = matrixLayout(512, 600, 2);
    expect(hidpi).toMatchObject({ k: 1, cell: 1, size: 512 });
    const huge = matrixLayout(2000, 600, 1);
    expect(huge.k).toBe(4);
    expect(huge.m).toBe(500);
    expect(huge.tokPx).toBeCloseTo(0.25);
    expect(tokenAt(0.9, huge, 2000)).toBe(3);
    expect(tokenAt(45.5, small, 10)).toBe(1);
    expect(tokenAt(-1, small, 10)).toBe(-1);
    expect(tokenAt(300, small, 10)).toBe(-1);
  });
  it("grid: cells sized to fit, hits inside cells only", () => {
    const g = gridLayout(6, 12, 1000, { minCell: 26, maxCell: 84, gap: 5, labelW: 30, labelH: 18 });
    expect(g.cell).toBe(Math.floor((1000 - 30 - 8 + 5) / 12) - 5);
    expect(g.width).toBeLessThanOrEqual(1000);
    const [x, y] = cellOrigin(g, 2, 7);
    expect(gridCellAt(g, x + 1, y + 1)).toEqual([2, 7]);
    expect(gridCellAt(g, x + g.cell + 1, y + 1)).toBeNull(); // in the gap
    expect(gridCellAt(g, g.x0 - 1, y)).toBeNull();
    expect(gridCellAt(g, x, g.y0 + 6 * (g.cell + 5))).toBeNull();
    const tiny = gridLayout(2, 100, 300, { minCell: 20, maxCell: 60, gap: 1, labelW: 20, labelH: 18 });
    expect(tiny.cell).toBe(20); // never below minCell: the canvas grows instead
  });
  it("rollout shares are relative to the row's largest value", () => {
    const r = { n: 2, values: Float32Array.from([0.2, 0.8, 0.5, 0.5]), vmax: 0.8 };
    expect(Array.from(rolloutShares(r, 0))).toEqual([0.25, 1]);
    expect(Array.from(rolloutShares(r, 5))).toEqual([0, 0]);
  });
  it("rollout without [CLS]/[SEP] and on a log scale", () => {
    // the sink: every query draws 0.9 from [CLS]
    const toks = ["[CLS]", "a", "b", "[SEP]"];
    const v = Float32Array.from([0.9, 0.05, 0.04, 0.01, 0.9, 0.06, 0.03, 0.01, 0.8, 0.1, 0.08, 0.02, 0.85, 0.01, 0.1, 0.04]);
    const r = { n: 4, values: v, vmax: 0.9 };
    expect(rolloutDisplay(r, toks, { exclude: false, log: false }).values).toBe(v); // untouched
    const ex = rolloutDisplay(r, toks, { exclude: true, log: false });
    expect(ex.vmax).toBeCloseTo(0.1); // the scale is set by a and b now
    expect(ex.values[0]).toBe(0);
    expect(ex.values[3]).toBe(0);
    expect(ex.values[9]).toBeCloseTo(0.1);
    expect(r.values[0]).toBeCloseTo(0.9); // the data itself is not changed
    const lg = rolloutDisplay(r, toks, { exclude: false, log: true });
    expect(lg.vmax).toBe(1);
    expect(lg.top).toBeCloseTo(0.9);
    expect(lg.values[0]).toBeCloseTo(1);
    expect(lg.values[1]).toBeCloseTo(Math.log10(0.05 / 0.0009) / LOG_DECADES); // ≈ 0.58, not 0.06
    expect(rolloutDisplay({ ...r, values: Float32Array.from([1e-5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]) }, toks, { exclude: false, log: true }).values[0]).toBe(0);
    expect(SPECIAL.test("[CLS]") && SPECIAL.test("</s>") && SPECIAL.test("<|endoftext|>") && !SPECIAL.test("CLS")).toBe(true);
  });
});

describe("LayerCache", () => {
  const layer = (l: number, n = 2): LayerData => ({ layer: l, heads: 1, n, values: new Float32Array(n * n), headMax: new Float32Array(1) });
  it("keeps the most recently used layers within count and bytes", () => {
    const c = new LayerCache(3, 1e9);
    for (const l of [0, 1, 2]) c.put(layer(l));
    c.get(0);
    c.put(layer(3));
    expect(c.keys()).toEqual([2, 0, 3]);
    const b = new LayerCache(8, 100); // 64 bytes per 4×4 layer
    b.put(layer(0, 4));
    b.put(layer(1, 4));
    expect(b.keys()).toEqual([1]);
  });
  it("displayToken keeps one row per token", () => {
    expect(displayToken("a\nb\tc\r")).toBe("a\\nb\\tc\\r");
  });
});

// ---- the widget in a DOM (happy-dom: no canvas drawing, so this checks wiring and text)

const TOKENS = ["[CLS]", "<img src=x onerror=alert(1)>", "b", "[SEP]"];
const N = TOKENS.length;
const L = 3;
const H = 2;

function stackFor(layer: number): Float32Array {
  const v = new Float32Array(H * N * N);
  for (let h = 0; h < H; h++) for (let i = 0; i < N; i++) v[h * N * N + i * N + ((i + h + layer) % N)] = 1;
  return v;
}

let model: FakeModel;
let cleanup: (() => void) | null = null;
afterEach(() => { cleanup?.(); cleanup = null; document.body.replaceChildren(); vi.useRealTimers(); });

function mount(extra: Record<string, unknown> = {}) {
  model = new FakeModel({
    tokens: TOKENS, n_layers: L, n_heads: H, layer_labels: ["0", "1", "2"], head_labels: ["0", "1"],
    layer: 0, head: 0, heads: [0, 1], token: -1, view: "head", sentence_b_start: 3,
    current: { layer: 0, values: u8(stackFor(0), [H, N, N]) },
    thumbs: u8(new Float32Array(L * H * N * N).fill(0.5), [L, H, N, N]),
    summary: { measures: [{ key: "to_prev", label: "→ previous token", values: f32([0, 1, 2, 3, 4, 5], [L, H]) }] },
    rollout: { dtype: "float32", shape: [N, N], buffer: new DataView(new Float32Array(N * N).fill(0.25).buffer) },
    notes: ["rows do not sum to 1 (max deviation 0.2)"], title: "test",
    ...extra,
  });
  const host = document.createElement("div");
  document.body.appendChild(host);
  cleanup = widget.render({ model, el: host }) as () => void;
  return host.querySelector(".iw-root.iw-attention-view") as HTMLElement;
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("AttentionView widget", () => {
  it("shows a Python error in a box at the top and dismisses it", () => {
    const root = mount({ error: "" });
    checkErrorBox(model, root);
    expect(root.dataset.rendered).toBe("head:0:0");
  });

  it("opened on the model view, builds no token spans until the head or rollout view is shown", async () => {
    const root = mount({ view: "model", token: 2 });
    expect(root.dataset.rendered).toBe("model:0:0");
    expect(root.querySelectorAll("span.iw-attn-tok").length).toBe(0);
    expect((root.querySelector("canvas.iw-attn-grid") as HTMLCanvasElement).dataset.selected).toBe("0:0");
    (root.querySelector('button.iw-attn-tab[data-view="head"]') as HTMLButtonElement).click();
    await tick();
    expect(root.dataset.rendered).toBe("head:0:0");
    const q = [...root.querySelectorAll<HTMLElement>(".iw-attn-col-q span.iw-attn-tok")];
    expect(q.map((e) => e.dataset.i)).toEqual(TOKENS.map((_, i) => String(i)));
    expect(root.querySelectorAll(".iw-attn-col-k span.iw-attn-tok").length).toBe(N);
    expect(q[2].classList.contains("iw-attn-pinned")).toBe(true); // the token trait, set before they existed
    expect(q[3].classList.contains("iw-attn-sep")).toBe(true);
    expect(root.querySelectorAll(".iw-attn-rollout .iw-attn-strip > *").length).toBe(0);
    (root.querySelector('button.iw-attn-tab[data-view="rollout"]') as HTMLButtonElement).click();
    await tick();
    expect(root.dataset.rendered).toBe("rollout:0:0");
    expect(root.querySelectorAll(".iw-attn-rollout .iw-attn-strip > *").length).toBe(N);
  });

  it("renders the head view with tokens as text, tabs, notes and a separator", () => {
    const root = mount();
    expect(root.dataset.rendered).toBe("head:0:0");
    const left = root.querySelectorAll(".iw-attn-col-q span.iw-attn-tok");
    expect(left.length).toBe(N);
    expect(left[1].textContent).toBe("<img src=x onerror=alert(1)>");
    expect(root.querySelector("img")).toBeNull();
    expect(left[3].classList.contains("iw-attn-sep")).toBe(true);
    expect([...root.querySelectorAll("button.iw-attn-tab")].map((b) => (b as HTMLElement).dataset.view)).toEqual(["head", "model", "matrix", "summary", "rollout"]);
    expect(root.querySelector(".iw-attn-note")!.textContent).toMatch(/max deviation 0.2/);
    expect(root.querySelectorAll("button.iw-attn-head.iw-on").length).toBe(2);
  });
  it("tabs, swatches and token clicks set the traits", async () => {
    const root = mount();
    (root.querySelector('button.iw-attn-tab[data-view="summary"]') as HTMLElement).click();
    expect(model.state.view).toBe("summary");
    await tick();
    expect(root.dataset.rendered).toBe("summary:0:0");
    (root.querySelector('button.iw-attn-tab[data-view="head"]') as HTMLElement).click();
    (root.querySelector('button.iw-attn-head[data-head="1"]') as HTMLElement).click();
    expect(model.state.heads).toEqual([0]);
    (root.querySelectorAll(".iw-attn-col-q span.iw-attn-tok")[2] as HTMLElement).click();
    expect(model.state.token).toBe(2);
    expect(model.saves).toBeGreaterThanOrEqual(3);
  });
  it("the caption names the heads the head view draws, and the one head of the other views", async () => {
    const caption = (root: HTMLElement) => root.querySelector(".iw-caption")!.textContent;
    const root = mount({ head_labels: ["0", "1"], heads: [0, 1] });
    await tick();
    expect(caption(root)).toMatch(/^layer 0 · heads 0, 1 · /);
    model.set("heads", [1]);
    await tick();
    expect(caption(root)).toMatch(/^layer 0 · head 1 · /);
    model.set("heads", []);
    await tick();
    expect(caption(root)).toMatch(/^layer 0 · no head on · /);
    model.set("view", "matrix");
    await tick();
    expect(caption(root)).toMatch(/^layer 0 · head 0 · /); // the matrix shows the selected head
  });
  it("follows Python: layer change asks for the layer once and caches it", async () => {
    const root = mount({ view: "matrix" });
    expect(root.dataset.rendered).toBe("matrix:0:0");
    model.set("layer", 2);
    await tick();
    expect(root.dataset.rendered).toBeUndefined();
    const req = model.sent.find((s) => (s.content as { body: { layer: number } }).body.layer === 2)!;
    expect((req.content as { body: unknown }).body).toEqual({ kind: "layer", group: 0, layer: 2 });
    model.emit("msg:custom", { type: "reply", id: (req.content as { id: number }).id, ok: true, data: { layer: 2, values: u8(stackFor(2), [H, N, N]) }, buffer_paths: [] }, []);
    await tick();
    await tick();
    expect(root.dataset.rendered).toBe("matrix:2:0");
    const sent = model.sent.length;
    model.set("layer", 0);
    await tick();
    model.set("layer", 2);
    await tick();
    expect(root.dataset.rendered).toBe("matrix:2:0");
    expect(model.sent.filter((s) => (s.content as { body: { layer: number } }).body.layer === 2).length).toBe(1);
    expect(model.sent.length).toBeGreaterThanOrEqual(sent);
  });
  it("a failed layer shows a visible error with a retry button", async () => {
    const root = mount();
    model.set("layer", 1);
    await tick();
    const req = model.sent.find((s) => (s.content as { body: { layer: number } }).body.layer === 1)!;
    model.emit("msg:custom", { type: "reply", id: (req.content as { id: number }).id, ok: false, error: "kernel gone" }, []);
    await tick();
    const status = root.querySelector(".iw-status") as HTMLElement;
    expect(status.hidden).toBe(false);
    expect(status.textContent).toMatch(/kernel gone/);
    expect(root.querySelector("button.iw-retry")).not.toBeNull();
  });
  it("head view: hovering a token shades the labels it attends to, all in the theme's one ink", async () => {
    // every query spreads its attention over the keys, so labels get shades from pale to full
    const spread = new Float32Array(H * N * N);
    for (let h = 0; h < H; h++) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) spread[h * N * N + i * N + j] = (j + 1) / ((N * (N + 1)) / 2) * (j === 1 ? 6 : 1);
    const root = mount({ current: { layer: 0, values: u8(spread, [H, N, N]) } });
    await tick();
    const q = root.querySelector<HTMLElement>('.iw-attn-col-q span.iw-attn-tok[data-i="2"]')!;
    q.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    await tick();
    const shaded = [...root.querySelectorAll<HTMLElement>(".iw-attn-col span.iw-attn-tok")].filter((t) => t.style.backgroundColor);
    expect(shaded.length).toBeGreaterThan(2);
    expect(new Set(shaded.map((t) => t.style.color))).toEqual(new Set([INK[themeOf(root)]]));
    expect(new Set(shaded.map((t) => t.style.backgroundColor)).size).toBeGreaterThan(2);
  });

  it("rollout strip: one ink at every shade (a word's pieces never differ), the text scale's shades", async () => {
    // row 0 draws 0, 0.1, …: shares from 0 to 1 of the row's largest
    const v = new Float32Array(N * N).fill(0.25);
    for (let j = 0; j < N; j++) v[j] = j / (N - 1);
    const root = mount({ view: "rollout", rollout: { dtype: "float32", shape: [N, N], buffer: new DataView(v.buffer) } });
    await tick();
    const toks = [...root.querySelectorAll<HTMLElement>(".iw-attn-rollout .iw-attn-strip > *")];
    expect(toks.length).toBe(N);
    expect(new Set(toks.map((t) => t.style.color))).toEqual(new Set([INK[themeOf(root)]]));
    expect(new Set(toks.map((t) => t.style.backgroundColor)).size).toBeGreaterThan(N / 2);
    expect(toks[N - 1].style.backgroundColor).toBe(rgbString(textBackground("sequential", 1, themeOf(root))));
  });

  it("a missing rollout disables its tab and shows a message instead of a blank", async () => {
    const root = mount({ rollout: {}, view: "rollout" });
    expect((root.querySelector('button.iw-attn-tab[data-view="rollout"]') as HTMLButtonElement).disabled).toBe(true);
    const empty = root.querySelector(".iw-attn-empty") as HTMLElement;
    expect(empty.hidden).toBe(false);
    expect(empty.textContent).toMatch(/no attention rollout/);
  });
  it("groups: a select switches the group, asks for {kind, group, layer} and draws rectangles", async () => {
    const enc = ["a", "b", "c", "d", "e"];
    const dec = ["x", "y"];
    const group = (name: string, q: string[], k: string[]) => ({
      name, tokens: q, key_tokens: k, n_layers: L, n_heads: H, layer_labels: ["0", "1", "2"], head_labels: ["0", "1"],
      sentence_b_start: -1, notes: q.length === k.length ? [] : [`${name}: queries and keys differ`],
      thumbs: u8(new Float32Array(L * H * q.length * k.length).fill(0.5), [L, H, q.length, k.length]),
      summary: { measures: [{ key: "entropy", label: "entropy (bits)", values: f32([0, 1, 2, 3, 4, 5], [L, H]) }] },
      rollout: q.length === k.length ? { dtype: "float32", shape: [q.length, q.length], buffer: new DataView(new Float32Array(q.length * q.length).fill(0.2).buffer) } : {},
    });
    const root = mount({
      groups: [group("Encoder", enc, enc), group("Decoder", dec, dec), group("Cross", dec, enc)],
      group: 0, view: "rollout", current: { group: 0, layer: 0, values: u8(new Float32Array(H * 25).fill(0.2), [H, 5, 5]) },
    });
    const select = root.querySelector("select.iw-attn-group") as HTMLSelectElement;
    expect((select.closest("label") as HTMLElement).hidden).toBe(false);
    expect([...select.options].map((o) => o.textContent)).toEqual(["Encoder", "Decoder", "Cross"]);
    // opened on the rollout: the head view's columns wait until it is shown
    expect(root.querySelectorAll(".iw-attn-col span.iw-attn-tok").length).toBe(0);
    expect(root.querySelectorAll(".iw-attn-rollout .iw-attn-strip > *").length).toBe(5);
    select.value = "2";
    select.dispatchEvent(new Event("change"));
    expect(model.state.group).toBe(2);
    expect(model.state.view).toBe("head"); // no rollout for rectangular attention
    await tick();
    const rollTab = root.querySelector('button.iw-attn-tab[data-view="rollout"]') as HTMLButtonElement;
    expect(rollTab.hidden).toBe(true);
    expect([...root.querySelectorAll(".iw-attn-col-q span.iw-attn-tok")].map((e) => e.textContent)).toEqual(dec);
    expect([...root.querySelectorAll(".iw-attn-col-k span.iw-attn-tok")].map((e) => e.textContent)).toEqual(enc);
    expect(root.querySelector(".iw-attn-note")!.textContent).toMatch(/Cross: queries and keys differ/);
    const req = model.sent[model.sent.length - 1].content as { id: number; body: unknown };
    expect(req.body).toEqual({ kind: "layer", group: 2, layer: 0 });
    model.emit("msg:custom", { type: "reply", id: req.id, ok: true, data: { group: 2, layer: 0, values: u8(new Float32Array(H * 10).fill(0.1), [H, 2, 5]) }, buffer_paths: [] }, []);
    await tick();
    await tick();
    expect(root.dataset.rendered).toBe("head:0:0");
    expect(root.dataset.group).toBe("2");
    expect(root.querySelector(".iw-caption")!.textContent).toMatch(/Cross · layer 0 · heads 0, 1 · 2 query × 5 key tokens/);
    // a key token pinned in a rectangular group stays pinned (the token trait holds queries)
    const key4 = root.querySelectorAll(".iw-attn-col-k span.iw-attn-tok")[4] as HTMLElement;
    key4.click();
    expect(model.state.token).toBe(-1);
    await tick();
    expect(key4.classList.contains("iw-attn-pinned")).toBe(true);
    // back to the encoder: its layer 0 is still cached (no new request)
    const sent = model.sent.length;
    model.set("group", 0);
    await tick();
    expect(root.dataset.group).toBe("0");
    expect(rollTab.hidden).toBe(false);
    expect(model.sent.length).toBe(sent);
  });
  it("one group: no group select", () => {
    const root = mount();
    expect((root.querySelector("select.iw-attn-group")!.closest("label") as HTMLElement).hidden).toBe(true);
  });
  it("cleans up its listeners", () => {
    mount();
    const before = model.listenerCount("change:layer");
    expect(before).toBeGreaterThan(0);
    cleanup!();
    cleanup = null;
    expect(model.listenerCount("change:layer")).toBe(0);
  });

  it("draws its captions, head buttons, zoom and rollout options in the widget's language", async () => {
    const strings = Object.fromEntries(Object.entries(zh as Record<string, string>).filter(([k]) => k.startsWith("ui.")).map(([k, v]) => [k.slice(3), v]));
    const root = mount({ _strings: strings, view: "matrix" });
    await tick();
    expect(root.querySelector(".iw-caption")!.textContent).toBe("第 0 层 · 第 0 个头 · 4 个词元");
    expect(root.querySelector("button.iw-attn-all")!.textContent).toBe("全部");
    expect((root.querySelector("button.iw-attn-all") as HTMLElement).title).toBe("打开（或关闭）全部注意力头");
    expect((root.querySelector("button.iw-attn-head") as HTMLElement).title).toBe("头 0：单击打开 / 关闭，双击只看这个头");
    const zoom = [...root.querySelectorAll(".iw-attn-zoom-btn")];
    expect(zoom.map((b) => (b as HTMLElement).title)).toContain("缩小");
    expect(zoom.map((b) => b.textContent)).toContain("适应宽度");
    const options = [...root.querySelectorAll(".iw-attn-rollout-option")].map((o) => o.textContent!.trim());
    expect(options).toEqual(["不计 [CLS]/[SEP]", "对数刻度"]);
    const text = root.textContent ?? "";
    for (const english of ["heads", "zoom", "exclude", "log scale", "rows:", "tokens shaded"]) expect(text).not.toContain(english);
  });
});
