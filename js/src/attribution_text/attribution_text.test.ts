// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget from "./attribution_text";
import {
  DELTA_WARN, classOption, showLabel, deltaBadge, formatMax, formatScore, maxAbs, ranksByAbs, readData, realMinus,
  rowValues, scaleMaxima, tauPmText, tauText, tokenValue, tokensOfWord, unitMask,
} from "./attribution_data";
import { agreement, randomTauLines, tauLines, tauTable } from "./attribution_parts";
import { diverging, hexToRgb, luminance, rgbString, type RGB } from "../shared/colors";
import { INK, textBackground } from "../shared/text_scale";
import { FakeIntersectionObserver } from "../testing/fake_io";
import { FakeModel } from "../testing/fake_model";
import { checkErrorBox } from "../testing/error_box_check";

function f32(values: number[], shape: number[]) {
  return { dtype: "float32", shape, buffer: new DataView(new Float32Array(values).buffer) };
}
function i32(values: number[], shape: number[]) {
  return { dtype: "int32", shape, buffer: new DataView(new Int32Array(values).buffer) };
}

// "[CLS] un believ able <b>ok</b> 🙂 [SEP]": tokens 1–3 form word 0 ("unbelievable").
const TEXT = "unbelievable <b>ok</b> 🙂";
const OFFSETS = [0, 0, 0, 2, 2, 8, 8, 12, 13, 16, 16, 18, 18, 22, 23, 24, 0, 0];
const TOKENS = ["[CLS]", "un", "##believ", "##able", "<b>", "ok", "</b>", "🙂", "[SEP]"];
const N = TOKENS.length;
const WORDS = [0, 12, 13, 14, 14, 15, 15, 16, 16, 18, 18, 19, 19, 20, 20, 21, 21, 22, 23, 24];
const OF_TOKEN = [-1, 0, 0, 0, -1, 4, -1, 9, -1]; // "<b>"/"</b>" deliberately outside words
const NW = WORDS.length / 2;
const SCORES_IG = [
  [0.9, -0.1, 0.2, -0.3, 0.05, 0.4, -0.05, 0.1, 0.7], // class 0 (negative)
  [-0.9, 0.1, -0.2, 0.3, -0.05, -0.4, 0.05, -0.1, -0.7], // class 1 (positive)
];
const SCORES_GX = [
  [0, 0.2, 0.1, 0.0, 0, 0.8, 0, -0.2, 0],
  [0, -0.2, -0.1, 0.0, 0, -0.8, 0, 0.2, 0],
];
function wordScores(scores: number[][]) {
  return scores.map((s) => Array.from({ length: NW }, (_, w) => s.reduce((a, v, i) => a + (OF_TOKEN[i] === w ? v : 0), 0)));
}
function row(method: string, label: string, scores: number[][], delta: number[] | null, ratio: number[] | null) {
  return {
    method, label, note: "", scores: f32(scores.flat(), [2, N]), word_scores: f32(wordScores(scores).flat(), [2, NW]),
    delta: delta && f32(delta, [2]), delta_ratio: ratio && f32(ratio, [2]),
  };
}
function state(extra: Record<string, unknown> = {}) {
  return {
    text: TEXT, offsets: i32(OFFSETS, [N, 2]), tokens: TOKENS,
    words: { offsets: i32(WORDS, [NW, 2]), of_token: i32(OF_TOKEN, [N]) }, word_agg: "sum",
    labels: ["negative", "<img src=x onerror=alert(1)>"], probs: f32([0.2, 0.8], [2]), predicted: 1, target: 1,
    level: "token", scale: "shared",
    rows: [
      row("integrated_gradients", "Integrated Gradients", SCORES_IG, [0.001, 0.004], [0.002, 0.09]),
      row("input_x_gradient", "Gradient × input", SCORES_GX, null, null),
    ],
    tau: f32([1, -0.25, -0.25, 1, 1, 0.5, 0.5, 1], [2, 2, 2]),
    tau_random: f32([0.01, 0.02, -0.03, 0.04, 0.05, 0.06, 0.07, 0.08], [2, 2, 2]),
    random_draws: 20,
    notes: ["input truncated to 9 of 12 tokens"], title: "Why?",
    ...extra,
  };
}

describe("attribution arithmetic", () => {
  it("ranks by |score|, largest first, ties sharing a rank, masked and NaN units unranked", () => {
    const r = ranksByAbs([0.1, -0.5, 0.3, NaN, 0.5, 9], [1, 1, 1, 1, 1, 0]);
    expect(Array.from(r.rank)).toEqual([4, 1, 3, 0, 1, 0]);
    expect(r.count).toBe(4);
    expect(Array.from(ranksByAbs([-2, 1, 3]).rank)).toEqual([2, 3, 1]);
  });

  it("takes the scale maximum per row or shared over rows, ignoring NaN and masked units", () => {
    const a = [0.5, -2, NaN, 99];
    const b = [0.25, 1];
    const mask = [1, 1, 1, 0];
    expect(maxAbs(a, mask)).toBe(2);
    expect(scaleMaxima([a, b], "row", mask)).toEqual([2, 1]);
    expect(scaleMaxima([a, b], "shared", mask)).toEqual([2, 2]);
    expect(scaleMaxima([a, null], "row", mask)).toEqual([2, 0]);
  });

  it("colours tokens by their word's score at word level, through of_token", () => {
    const model = new FakeModel(state());
    const d = readData(model);
    expect(d.errors).toEqual([]);
    const words = rowValues(d.rows[0], d, 1, "word")!;
    expect(words.length).toBe(NW);
    expect(words[0]).toBeCloseTo(0.1 - 0.2 + 0.3); // un + ##believ + ##able
    for (const i of [1, 2, 3]) expect(tokenValue(words, d, "word", i)).toBeCloseTo(0.2);
    expect(tokenValue(words, d, "word", 4)).toBeNaN(); // "<b>" is in no word
    expect(tokensOfWord(d, 0)).toEqual([1, 2, 3]);
    const tokens = rowValues(d.rows[0], d, 1, "token")!;
    expect(tokenValue(tokens, d, "token", 2)).toBeCloseTo(-0.2);
    // Special tokens ([CLS], [SEP]: empty spans) are neither ranked nor scaled.
    expect(Array.from(unitMask(d, "token"))).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(scaleMaxima([tokens], "row", unitMask(d, "token"))[0]).toBeCloseTo(0.4);
    expect(unitMask(d, "word")[0]).toBe(1);
    expect(unitMask(d, "word")[1]).toBe(0);
  });

  it("writes the delta badge and warns above 5%", () => {
    expect(deltaBadge(0.0042, 0.003).text).toBe("\u0394 0.0042 (0.3%)");
    expect(deltaBadge(0.0042, 0.003).warn).toBe(false);
    expect(deltaBadge(-0.31, 0.12).text).toBe("\u0394 \u22120.31 (12%)");
    expect(deltaBadge(-0.31, 0.12).warn).toBe(true);
    expect(deltaBadge(1, DELTA_WARN).warn).toBe(false);
    expect(deltaBadge(1, DELTA_WARN + 1e-6).warn).toBe(true);
    expect(deltaBadge(1e-7, 1e-5).text).toBe("\u0394 1e\u22127 (<0.1%)");
    expect(deltaBadge(0.01, NaN)).toMatchObject({ text: "\u0394 0.01", warn: false });
    expect(deltaBadge(0.01, 0.01).title[1]).toBe(
      "Integrated Gradients' scores should add up to f(x) \u2212 f(baseline); \u0394 is the difference",
    );
    expect(deltaBadge(0.01, 0.01, "DeepLift").title[1]).toMatch(/^DeepLift's scores/);
  });

  it("prints τ cells, scores and scale ends with a real minus sign", () => {
    expect(tauText(0.714)).toBe("0.71");
    expect(tauText(-0.25)).toBe("\u22120.25");
    expect(tauText(-0.001)).toBe("0.00");
    expect(tauText(NaN)).toBe("\u2013");
    expect(formatScore(-0.123456)).toBe("\u22120.1235");
    expect(formatScore(0.5)).toBe("+0.5");
    expect(formatScore(0)).toBe("0");
    expect(formatScore(NaN)).toBe("missing");
    expect(formatMax(0.9387)).toBe("0.94");
    expect(formatMax(0)).toBe("1");
    expect(realMinus("-1e-5")).toBe("\u22121e\u22125");
    expect(classOption("positive", 0.934)).toBe("positive (0.93)");
    expect(showLabel("very positive")).toBe("very positive");
    expect(showLabel(" ")).toBe("\u2423");
    expect(showLabel("a\nb")).toBe("a\\nb");
    expect(tauLines("A", "B", 0.5)[1]).toBe("Kendall \u03c4 between the token rankings of A and B");
  });

  it("builds the τ table with labels as text, coloured cells and a neutral diagonal", () => {
    const t = tauTable(["<i>A</i>", "B"], [1, -0.5, -0.5, 1]);
    expect(t.querySelector("i")).toBeNull();
    expect(t.querySelector("th.iw-attr-tau-row")!.textContent).toBe("<i>A</i>");
    const cells = t.querySelectorAll<HTMLElement>("td.iw-attr-tau-cell");
    expect(Array.from(cells, (c) => c.textContent)).toEqual(["1.00", "\u22120.50", "\u22120.50", "1.00"]);
    expect(cells[1].style.backgroundColor).not.toBe("");
    expect(cells[0].style.backgroundColor).toBe("");
    expect(cells[0].classList.contains("iw-attr-tau-diag")).toBe(true);
  });

  it("adds the random row under the τ table: mean ± SE per method, coloured by the mean", () => {
    expect(tauPmText(-0.031, 0.052)).toBe("\u22120.03 \u00b1 0.05");
    expect(tauPmText(NaN, 0.1)).toBe("\u2013");
    expect(tauPmText(0.2, NaN)).toBe("0.20");
    const t = tauTable(["A", "B"], [1, 0.5, 0.5, 1], { values: [0.02, 0.04, -0.1, 0.03], draws: 20 });
    const random = t.querySelector<HTMLElement>("tr.iw-attr-tau-random")!;
    expect(random.querySelector("th")!.textContent).toBe("random (20 draws)");
    const cells = random.querySelectorAll<HTMLElement>("td.iw-attr-tau-cell");
    expect(Array.from(cells, (c) => c.textContent)).toEqual(["0.02 \u00b1 0.04", "\u22120.10 \u00b1 0.03"]);
    expect(cells[1].style.backgroundColor).toBe(rgbString(agreement(-0.1)));
    // τ's own scale: purple for −1, white at 0, green for +1 — not the attributions' red / blue
    expect(agreement(-1)).toEqual([0x76, 0x2a, 0x83]);
    expect(agreement(0)).toEqual([0xf7, 0xf7, 0xf7]);
    expect(agreement(1)).toEqual([0x1b, 0x78, 0x37]);
    expect(agreement(1)).not.toEqual(diverging(1, 1));
    expect(cells[0].dataset.random).toBe("0");
    expect(randomTauLines("A", 0.02, 0.04, 20)[1]).toContain("over 20 seeded draws");
    expect(tauTable(["A", "B"], [1, 0.5, 0.5, 1]).querySelector("tr.iw-attr-tau-random")).toBeNull();
  });

  it("reports shape mismatches per row instead of throwing", () => {
    const bad = state();
    (bad.rows as Record<string, unknown>[])[1].scores = f32([1, 2, 3], [1, 3]);
    const d = readData(new FakeModel(bad));
    expect(d.rows[0].error).toBe("");
    expect(d.rows[1].error).toMatch(/scores: expected shape \[2,9\], got \[1,3\]/);
  });
});

// ---- the rendered widget

let model: FakeModel;
let host: HTMLElement;
let cleanup: () => void;

function mount(extra: Record<string, unknown> = {}) {
  model = new FakeModel(state(extra));
  host = document.createElement("div");
  document.body.appendChild(host);
  cleanup = widget.render({ model, el: host }) as () => void;
  for (const io of FakeIntersectionObserver.instances) io.fire();
}
const $ = <T extends Element = HTMLElement>(sel: string) => host.querySelector(sel) as T;
const flush = () => new Promise((r) => setTimeout(r, 0));
const bg = (method: string, i: number) =>
  $(`.iw-attr-row[data-method="${method}"] .iw-tok[data-i="${i}"]`).style.backgroundColor;
const want = (v: number, vmax: number) => rgbString(textBackground("diverging", v / vmax, "light"));

beforeEach(() => {
  FakeIntersectionObserver.instances = [];
  vi.stubGlobal("IntersectionObserver", FakeIntersectionObserver);
});
afterEach(() => {
  cleanup?.();
  host?.remove();
  vi.unstubAllGlobals();
});

describe("AttributionText", () => {
  it("shows a Python error in a box at the top and dismisses it", async () => {
    mount({ error: "" });
    await flush();
    checkErrorBox(model, $(".iw-root.iw-attribution-text"));
  });

  it("renders rows, controls, notes and the τ matrix, all data as text", async () => {
    mount();
    await flush();
    const root = $(".iw-root.iw-attribution-text");
    expect(root.tabIndex).toBe(0);
    expect(root.dataset.rendered).toBe("1:token:shared");
    const options = Array.from($<HTMLSelectElement>("select.iw-attr-target").options, (o) => o.textContent);
    expect(options).toEqual(["negative (0.20)", "<img src=x onerror=alert(1)> (0.80) \u2713"]);
    expect(host.querySelector("img, b")).toBeNull();
    expect(host.querySelectorAll(".iw-attr-row").length).toBe(2);
    for (const t of host.querySelectorAll(".iw-attr-text")) expect(t.textContent).toBe(TEXT);
    expect($(".iw-attr-notes").textContent).toContain("input truncated to 9 of 12 tokens");
    const badge = $(".iw-attr-row[data-method=integrated_gradients] .iw-attr-delta");
    expect(badge.textContent).toBe("\u0394 0.004 (9.0%)");
    expect(badge.classList.contains("iw-attr-delta-warn")).toBe(true);
    expect($<HTMLElement>(".iw-attr-row[data-method=input_x_gradient] .iw-attr-delta").hidden).toBe(true);
    expect(Array.from(host.querySelectorAll("td.iw-attr-tau-cell"), (c) => c.textContent)).toEqual([
      "1.00", "0.50", "0.50", "1.00", "0.05 \u00b1 0.06", "0.07 \u00b1 0.08",
    ]);
    expect($("tr.iw-attr-tau-random th").textContent).toBe("random (20 draws)");
    // shared scale over both rows' drawn tokens: max |score| = 0.8 (GX's "ok")
    expect(bg("integrated_gradients", 5)).toBe(want(-0.4, 0.8));
    expect(bg("input_x_gradient", 5)).toBe(want(-0.8, 0.8));
    expect($(".iw-attr-legend-max").textContent).toBe("+0.8");
    expect($(".iw-attr-legend-min").textContent).toBe("\u22120.8");
  });

  it("switches target, level and scale in the browser without any request", async () => {
    mount();
    await flush();
    const select = $<HTMLSelectElement>("select.iw-attr-target");
    select.value = "0";
    select.dispatchEvent(new Event("change"));
    await flush();
    expect(model.state.target).toBe(0);
    expect(model.saves).toBe(1);
    expect($(".iw-root").dataset.rendered).toBe("0:token:shared");
    expect(bg("integrated_gradients", 5)).toBe(want(0.4, 0.8));
    expect($(".iw-attr-row[data-method=integrated_gradients] .iw-attr-delta").textContent).toBe("\u0394 0.001 (0.2%)");
    expect($(".iw-attr-row[data-method=integrated_gradients] .iw-attr-delta").classList.contains("iw-attr-delta-warn")).toBe(false);
    expect(Array.from(host.querySelectorAll("td.iw-attr-tau-cell"), (c) => c.textContent)[1]).toBe("\u22120.25");

    $<HTMLButtonElement>('button.iw-attr-level[data-level="word"]').click();
    await flush();
    expect(model.state.level).toBe("word");
    expect($(".iw-root").dataset.rendered).toBe("0:word:shared");
    const w0 = 0.2; // word 0 for class 0: -0.1 + 0.2 - 0.3 = -0.2 (IG); GX: 0.3; "ok": 0.8 → vmax 0.8
    expect(bg("integrated_gradients", 1)).toBe(want(-w0, 0.8));
    expect(bg("integrated_gradients", 2)).toBe(bg("integrated_gradients", 1));
    expect(bg("integrated_gradients", 3)).toBe(bg("integrated_gradients", 1));
    expect(bg("integrated_gradients", 4)).toBe(""); // outside every word: unshaded

    $<HTMLButtonElement>('button.iw-attr-scale[data-scale="row"]').click();
    await flush();
    expect($(".iw-root").dataset.rendered).toBe("0:word:row");
    expect(bg("integrated_gradients", 5)).toBe(want(0.4, 0.4)); // IG's own max at word level is 0.4
    expect($(".iw-attr-row[data-method=integrated_gradients] .iw-attr-rowmax").textContent).toBe("scale \u00b10.4");
    expect(model.sent).toEqual([]);
  });

  it("reacts to trait changes from Python and highlights a hovered token in every row", async () => {
    mount();
    await flush();
    model.set("target", 0);
    model.set("scale", "row");
    await flush();
    expect($(".iw-root").dataset.rendered).toBe("0:token:row");
    expect(bg("input_x_gradient", 5)).toBe(want(0.8, 0.8));
    const tok = $(".iw-attr-row[data-method=input_x_gradient] .iw-tok[data-i='5']");
    tok.dispatchEvent(new MouseEvent("mouseover", { bubbles: true, clientX: 10, clientY: 10 }));
    const lit = host.querySelectorAll(".iw-tok.iw-attr-hl");
    expect(Array.from(lit, (s) => (s as HTMLElement).dataset.i)).toEqual(["5", "5"]);
    const tip = $(".iw-tooltip");
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain("score +0.8");
    expect(tip.textContent).toContain("rank 1 of 7 by |score|");

    model.set("level", "word");
    await flush();
    $(".iw-attr-row[data-method=integrated_gradients] .iw-tok[data-i='2']")
      .dispatchEvent(new MouseEvent("mouseover", { bubbles: true, clientX: 10, clientY: 10 }));
    expect(host.querySelectorAll(".iw-tok.iw-attr-hl").length).toBe(6); // 3 tokens × 2 rows
    expect(tip.textContent).toContain("\u201cunbelievable\u201d \u00b7 word 0");
    expect(tip.textContent).toContain("rank 2 of 3 words by |score|");
    expect(tip.textContent).toContain("tokens: un \u22120.1 \u00b7 ##believ +0.2 \u00b7 ##able \u22120.3");

    model.set("rows", [state().rows[1]]);
    await flush();
    expect(host.querySelectorAll(".iw-attr-row").length).toBe(1);
    expect($<HTMLElement>(".iw-attr-compare").hidden).toBe(true);
    expect($<HTMLElement>(".iw-attr-scale-field").hidden).toBe(true);
  });

  it("steps the target with Up/Down and copes with no predicted class among the labels", async () => {
    mount({ predicted: -1, target: 0 });
    await flush();
    expect($(".iw-caption").textContent).toBe("");
    const root = $(".iw-root");
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    await flush();
    expect(model.state.target).toBe(1);
    expect(root.dataset.rendered).toBe("1:token:shared");
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(model.state.target).toBe(1); // clamped at the last class
  });

  it("one ink per theme: every piece of a multi-piece word has the same ink at every shade", async () => {
    const rgbOf = (css: string): RGB => (css.startsWith("#") ? hexToRgb(css.replace(/^#(.)(.)(.)$/, "#$1$1$2$2$3$3")) : (css.match(/\d+/g) ?? []).map(Number) as RGB);
    const contrast = (a: RGB, b: RGB) => {
      const [x, y] = [luminance(a), luminance(b)];
      return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
    };
    // "un ##believ ##able" (tokens 1–3) carry scores of both signs and sizes; with the scale
    // fixed small the pieces go from pale to the strongest shade and past it (clipped)
    mount({ rows: [row("integrated_gradients", "Integrated Gradients", [[0, 0.02, -0.3, 0.9, 0, 0, 0, 0, 0], [0, -0.9, 0.05, -0.2, 0, 0, 0, 0, 0]], null, null), row("saliency", "Saliency", [[0, 0.02, 0.3, 0.9, 0, 0, 0, 0, 0], [0, 0.9, 0.05, 0.2, 0, 0, 0, 0, 0]], null, null)] });
    await flush();
    const root = $(".iw-root.iw-attribution-text");
    for (const theme of ["light", "dark"] as const) {
      root.dataset.theme = theme;
      for (const target of [0, 1]) {
        model.set("target", target);
        await flush();
        for (const method of ["integrated_gradients", "saliency"]) {
          const pieces = [1, 2, 3].map((i) => $(`.iw-attr-row[data-method="${method}"] .iw-tok[data-i="${i}"]`));
          expect(new Set(pieces.map((p) => p.style.color))).toEqual(new Set([INK[theme]]));
          expect(new Set(pieces.map((p) => p.style.backgroundColor)).size).toBe(3);
          for (const p of pieces) expect(contrast(rgbOf(p.style.backgroundColor), rgbOf(INK[theme]))).toBeGreaterThanOrEqual(4.5);
        }
      }
      // the legend's bars are drawn with the same shades
      expect($(".iw-attr-legend").dataset.theme).toBe(theme);
    }
  });

  it("cleans up its listeners", () => {
    mount();
    expect(model.listenerCount("change:target")).toBe(1);
    cleanup();
    expect(model.listenerCount("change:target")).toBe(0);
    expect(host.querySelector(".iw-root")).toBeNull();
  });
});
