// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import widget from "./robustness";
import {
  arrange, formatDelta, formatProb, formatRate, formatRateSE, formatScale, formatScore, kindName,
  rateSE, rateTitle, readData, totals, wilson,
} from "./robustness_data";
import { rgbString } from "../shared/colors";
import { INK, textBackground } from "../shared/text_scale";
import { FakeModel } from "../testing/fake_model";
import { checkErrorBox } from "../testing/error_box_check";

const HOSTILE = "<img src=x onerror=alert(1)>";
const A = "The plot was dull.";
const B = "This film was good. I liked it.";

function enc(dtype: "float32" | "int32", values: number[], shape: number[]) {
  const arr = dtype === "float32" ? new Float32Array(values) : new Int32Array(values);
  return { dtype, shape, buffer: new DataView(arr.buffer) };
}

/** Tokens: one per word of `text` (by whitespace), [CLS] first with an empty span. */
function tokenOffsets(text: string): number[] {
  const out = [0, 0];
  for (const m of text.matchAll(/\S+/g)) out.push(m.index!, m.index! + m[0].length);
  return out;
}

function state(extra: Record<string, unknown> = {}) {
  const variants = [
    // input 0: negation flips, antonym flips, dropout unchanged
    { text: 0, kind: "negation", perturbed: "The plot was not dull.", changed: true, after: 1, p_after: 0.9, p_orig: 0.1, delta: -0.85, flipped: true },
    { text: 0, kind: "antonym", perturbed: "The plot was brilliant.", changed: true, after: 1, p_after: 0.97, p_orig: 0.03, delta: -0.92, flipped: true },
    { text: 0, kind: "word_dropout", perturbed: A, changed: false, after: 0, p_after: 0.95, p_orig: 0.95, delta: 0, flipped: false },
    // input 1: nothing flips
    { text: 1, kind: "negation", perturbed: "This film was not good. I liked it.", changed: true, after: 1, p_after: 0.6, p_orig: 0.6, delta: -0.3, flipped: false },
    { text: 1, kind: "antonym", perturbed: "This film was bad. I liked it.", changed: true, after: 1, p_after: 0.55, p_orig: 0.55, delta: -0.35, flipped: false },
    { text: 1, kind: "word_dropout", perturbed: "This film good. I liked it.", changed: true, after: 1, p_after: 0.88, p_orig: 0.88, delta: -0.02, flipped: false },
  ];
  return {
    labels: ["negative", "positive"],
    kinds: ["word_dropout", "negation", "antonym"],
    summary: [
      { kind: "word_dropout", texts: 2, changed: 1, flips: 0, flip_rate: 0, mean_change: -0.02 },
      { kind: "negation", texts: 2, changed: 2, flips: 1, flip_rate: 0.5, mean_change: -0.575 },
      { kind: "antonym", texts: 2, changed: 2, flips: 1, flip_rate: 0.5, mean_change: -0.635 },
    ],
    inputs: [
      { text: A, predicted: 0, p: 0.95 },
      { text: B, predicted: 1, p: 0.9 },
    ],
    variants,
    attributions: {},
    meta: { seed: 0, rate: 0.1, method: null },
    title: "",
    selected: {},
    filter_kind: "",
    flips_only: false,
    show_unchanged: false,
    show_attributions: true,
    error: "",
    ...extra,
  };
}

/** Attributions for input 0 and its negation variant: scores known, [CLS] huge (not drawn). */
function withAttributions() {
  const t0 = A;
  const t1 = "The plot was not dull.";
  const o0 = tokenOffsets(t0);
  const o1 = tokenOffsets(t1);
  const s0 = [50, 0.1, -0.2, 0.05, 0.8];
  const s1 = [50, 0.1, -0.2, 0.05, -0.6, 0.4];
  return state({
    attributions: {
      method: "integrated_gradients",
      label: "Integrated Gradients",
      scores: enc("float32", [...s0, ...s1], [s0.length + s1.length]),
      offsets: enc("int32", [...o0, ...o1], [(o0.length + o1.length) / 2, 2]),
      items: [
        { text: 0, kind: null, start: 0, count: s0.length, delta: 0.01, note: "" },
        { text: 0, kind: "negation", start: s0.length, count: s1.length, delta: -0.02, note: "" },
      ],
    },
  });
}

describe("flip-rate uncertainty", () => {
  it("gives the binomial SE and a Wilson interval that stays informative at 0 and 1", () => {
    expect(rateSE(1, 2)).toBeCloseTo(Math.sqrt(0.125));
    expect(rateSE(0, 0)).toBeNull();
    expect(formatRateSE(1, 2)).toBe("\u00b1 35");
    expect(formatRateSE(0, 0)).toBe("");
    const [lo, hi] = wilson(0, 10)!;
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(0.2775, 3);
    expect(wilson(10, 10)![1]).toBe(1);
    expect(rateTitle(0, 0)).toContain("no changed text");
    expect(rateTitle(3, 10)).toContain("3 of 10 changed texts");
  });
});

describe("robustness_data: formats", () => {
  it("formats rates, probabilities, changes, scales and scores", () => {
    expect(formatRate(0.5)).toBe("50%");
    expect(formatRate(2 / 3)).toBe("67%");
    expect(formatRate(1)).toBe("100%");
    expect(formatRate(0.125)).toBe("13%"); // half rounds up (Python's test does the same)
    expect(formatRate(null)).toBe("\u2014");
    expect(formatProb(0.996)).toBe("1.00");
    expect(formatProb(NaN)).toBe("?");
    expect(formatDelta(-0.957)).toBe("\u22120.96");
    expect(formatDelta(0.12)).toBe("+0.12");
    expect(formatDelta(-0.001)).toBe("0.00");
    expect(formatDelta(null)).toBe("\u2014");
    expect(formatScale(12.34)).toBe("12");
    expect(formatScale(0)).toBe("0");
    expect(formatScore(-0.12345)).toBe("\u22120.123");
    expect(formatScore(0.5)).toBe("+0.5");
    expect(formatScore(NaN)).toBe("missing");
    expect(kindName("char_noise")).toBe("character noise");
    expect(kindName("my_kind")).toBe("my kind");
  });

  it("totals weigh each kind's mean change by the texts it changed", () => {
    const t = totals([
      { kind: "a", texts: 4, changed: 1, flips: 1, flipRate: 1, meanChange: -0.8 },
      { kind: "b", texts: 4, changed: 3, flips: 0, flipRate: 0, meanChange: 0 },
      { kind: "c", texts: 4, changed: 0, flips: 0, flipRate: null, meanChange: null },
    ]);
    expect(t.changed).toBe(4);
    expect(t.flips).toBe(1);
    expect(t.flipRate).toBe(0.25);
    expect(t.meanChange).toBeCloseTo(-0.2);
    expect(totals([]).flipRate).toBeNull();
  });
});

describe("robustness_data: reading and ordering", () => {
  it("reads the traits and groups variants by input in kind order", () => {
    const d = readData(new FakeModel(withAttributions()));
    expect(d.errors).toEqual([]);
    expect(d.byInput[0].map((v) => v.kind)).toEqual(["word_dropout", "negation", "antonym"]);
    expect(d.attrs!.items.size).toBe(2);
    // one scale per input: the max over the input and its variants, [CLS] (empty span) left out
    expect(d.vmax[0]).toBeCloseTo(0.8);
    expect(d.vmax[1]).toBe(0);
  });

  it("junk traits become messages, not exceptions", () => {
    const d = readData(new FakeModel(state({
      variants: [{ text: 7, kind: "negation" }],
      attributions: { items: [{ text: 0, kind: null, start: 0, count: 3 }], scores: null, offsets: null },
    })));
    expect(d.errors.join(" ")).toMatch(/refer to no input/);
    expect(d.errors.join(" ")).toMatch(/attributions: expected encoded/);
    expect(d.attrs).toBeNull();
  });

  it("flipped first, inputs with flips first; filters by kind and flips only", () => {
    const d = readData(new FakeModel(state()));
    const all = arrange(d, { kind: "", flipsOnly: false, showUnchanged: false });
    expect(all.map((v) => v.input)).toEqual([0, 1]);
    expect(all[0].shown.map((v) => v.kind)).toEqual(["negation", "antonym"]);
    expect(all[0].unchanged.map((v) => v.kind)).toEqual(["word_dropout"]);
    const withUnchanged = arrange(d, { kind: "", flipsOnly: false, showUnchanged: true });
    expect(withUnchanged[0].shown.map((v) => v.kind)).toEqual(["negation", "antonym", "word_dropout"]);
    const flips = arrange(d, { kind: "", flipsOnly: true, showUnchanged: true });
    expect(flips.map((v) => v.input)).toEqual([0]);
    const neg = arrange(d, { kind: "word_dropout", flipsOnly: false, showUnchanged: false });
    expect(neg.map((v) => [v.input, v.shown.length, v.unchanged.length])).toEqual([[0, 0, 1], [1, 1, 0]]);
    // an input whose only flip comes later in input order still goes first
    const st = state();
    st.variants = st.variants.map((v) => ({ ...v, flipped: v.text === 1 && v.kind === "antonym" }));
    expect(arrange(readData(new FakeModel(st)), { kind: "", flipsOnly: false, showUnchanged: false }).map((v) => v.input)).toEqual([1, 0]);
  });
});

describe("Robustness view", () => {
  let host: HTMLElement;
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    host?.remove();
  });

  function mount(s: Record<string, unknown>) {
    const model = new FakeModel(s);
    host = document.createElement("div");
    document.body.appendChild(host);
    cleanup = widget.render({ model, el: host }) as () => void;
    const root = host.querySelector<HTMLElement>(".iw-root.iw-robustness")!;
    return { model, root };
  }

  const flush = () => new Promise((r) => setTimeout(r, 0));

  it("draws the summary, flips first with a badge, and the inserted word marked", () => {
    const { root } = mount(state());
    const rates = [...root.querySelectorAll("tr.iw-rob-kind")].map((tr) => [
      (tr as HTMLElement).dataset.kind, tr.querySelector(".iw-rob-rate")!.textContent,
    ]);
    expect(rates).toEqual([["word_dropout", "0%"], ["negation", "50%"], ["antonym", "50%"], ["", "40%"]]);
    // each flip rate with its binomial SE (percentage points) and, in the tooltip, a Wilson interval
    const neg = root.querySelector<HTMLElement>("tr.iw-rob-kind[data-kind=negation]")!;
    expect(neg.querySelector(".iw-rob-rate-se")!.textContent).toBe("\u00b1 35");
    expect(neg.querySelector<HTMLElement>(".iw-rob-rate-cell")!.title).toMatch(/95% interval 9\.5%\u201390\.5% \(Wilson\)/);
    const rows = [...root.querySelectorAll<HTMLElement>(".iw-rob-input[data-text='0'] .iw-rob-var")];
    expect(rows.map((r) => r.dataset.kind)).toEqual(["negation", "antonym"]);
    expect(rows[0].classList.contains("iw-rob-flipped")).toBe(true);
    expect(rows[0].querySelector(".iw-rob-badge")!.textContent).toContain("flipped");
    expect(rows[0].querySelector(".iw-rob-ins")!.textContent).toBe("not");
    expect(rows[0].querySelector(".iw-rob-delta")!.textContent).toBe("\u22120.85");
    expect(rows[0].querySelector(".iw-rob-delta")!.classList.contains("iw-rob-down")).toBe(true);
    expect(rows[1].querySelector(".iw-rob-sub")!.getAttribute("data-was")).toBe("dull");
    // the unchanged one is counted, not listed
    expect(root.querySelector(".iw-rob-input[data-text='0'] .iw-rob-unchanged-note")!.textContent).toContain("word dropout");
    // no attributions: no toggle, no legend
    expect((root.querySelector("button.iw-rob-toggle:nth-of-type(3)") as HTMLElement).hidden).toBe(true);
    expect(root.dataset.rendered).toBe("all|all|changed|plain");
  });

  it("a click on a kind filters the rows and syncs filter_kind; again clears it", async () => {
    const { model, root } = mount(state());
    root.querySelector<HTMLElement>("tr.iw-rob-kind[data-kind='word_dropout']")!.click();
    await flush();
    expect(model.get("filter_kind")).toBe("word_dropout");
    expect(model.saves).toBe(1);
    expect(root.dataset.rendered).toBe("word_dropout|all|changed|plain");
    expect([...root.querySelectorAll<HTMLElement>(".iw-rob-var")].map((r) => r.dataset.kind)).toEqual(["word_dropout"]);
    expect(root.querySelector(".iw-rob-var .iw-rob-del")!.textContent).toBe("was");
    root.querySelector<HTMLElement>("tr.iw-rob-kind[data-kind='word_dropout']")!.click();
    await flush();
    expect(model.get("filter_kind")).toBe("");
    // Python sets it too
    model.set("filter_kind", "antonym");
    await flush();
    expect(root.querySelector("tr.iw-rob-kind.iw-active")!.getAttribute("data-kind")).toBe("antonym");
  });

  it("toggles: flips only, unchanged", async () => {
    const { model, root } = mount(state());
    const [flips, unchanged] = root.querySelectorAll<HTMLButtonElement>("button.iw-rob-toggle");
    flips.click();
    await flush();
    expect(model.get("flips_only")).toBe(true);
    expect(root.querySelectorAll(".iw-rob-input").length).toBe(1);
    expect(root.querySelectorAll(".iw-rob-var:not(.iw-rob-flipped)").length).toBe(0);
    flips.click();
    unchanged.click();
    await flush();
    expect(model.get("show_unchanged")).toBe(true);
    const na = root.querySelector<HTMLElement>(".iw-rob-var.iw-rob-unchanged")!;
    expect(na.dataset.kind).toBe("word_dropout");
    expect(na.textContent).toContain("did not apply");
  });

  it("a row click sets selected; Python's selected outlines the row", async () => {
    const { model, root } = mount(state());
    root.querySelector<HTMLElement>(".iw-rob-var[data-text='1'][data-kind='antonym'] .iw-rob-text")!.click();
    expect(model.get("selected")).toEqual({ text: 1, kind: "antonym" });
    expect(root.querySelector(".iw-rob-selected")!.getAttribute("data-kind")).toBe("antonym");
    root.querySelector<HTMLElement>(".iw-rob-orig[data-text='0']")!.click();
    expect(model.get("selected")).toEqual({ text: 0, kind: null });
    model.set("selected", { text: 0, kind: "negation" });
    const sel = root.querySelectorAll<HTMLElement>(".iw-rob-selected");
    expect(sel.length).toBe(1);
    expect(sel[0].dataset.kind).toBe("negation");
  });

  it("shades tokens on one scale per input, before and after", async () => {
    const { model, root } = mount(withAttributions());
    expect(root.dataset.rendered).toBe("all|all|changed|attr");
    const orig = root.querySelector(".iw-rob-orig[data-text='0']")!;
    const toks = [...orig.querySelectorAll<HTMLElement>(".iw-tok")];
    expect(toks.map((t) => t.textContent)).toEqual(["The", "plot", "was", "dull."]);
    expect(toks[3].style.backgroundColor).toBe(rgbString(textBackground("diverging", 1, "light")));
    const neg = root.querySelector(".iw-rob-var[data-kind='negation']")!;
    const notTok = neg.querySelector<HTMLElement>(".iw-rob-ins .iw-tok")!;
    expect(notTok.textContent).toBe("not");
    expect(notTok.style.backgroundColor).toBe(rgbString(textBackground("diverging", Math.fround(-0.6) / Math.fround(0.8), "light"))); // float32 on the wire);
    expect(root.querySelector(".iw-rob-orig .iw-rob-scale")!.textContent).toBe("scale \u00b10.8");
    // one ink at every shade (the text scale), in the light theme and after a switch to dark
    expect(new Set(toks.map((t) => t.style.color))).toEqual(new Set([INK.light]));
    (root as HTMLElement).dataset.theme = "dark";
    model.set("show_unchanged", !model.get("show_unchanged"));
    await flush();
    const dark = [...root.querySelectorAll<HTMLElement>(".iw-rob-orig[data-text='0'] .iw-tok")];
    expect(new Set(dark.map((t) => t.style.color))).toEqual(new Set([INK.dark]));
    expect(dark[3].style.backgroundColor).toBe(rgbString(textBackground("diverging", 1, "dark")));
    model.set("show_unchanged", !model.get("show_unchanged"));
    (root as HTMLElement).dataset.theme = "light";
    await flush();
    // the variant without attributions is plain text
    expect(root.querySelector(".iw-rob-var[data-kind='antonym'] .iw-tok[style]")).toBeNull();
    const attr = root.querySelectorAll<HTMLButtonElement>("button.iw-rob-toggle")[2];
    expect(attr.hidden).toBe(false);
    attr.click();
    await flush();
    expect(model.get("show_attributions")).toBe(false);
    expect(root.querySelector(".iw-tok[style]")).toBeNull();
  });

  it("hostile text stays text; a page of inputs at a time", async () => {
    const inputs = Array.from({ length: 30 }, (_, i) => ({ text: `${HOSTILE} ${i}`, predicted: 0, p: 0.5 }));
    const variants = inputs.map((_, i) => ({
      text: i, kind: "negation", perturbed: `${HOSTILE} not ${i}`, changed: true, after: 0, p_after: 0.5, p_orig: 0.5, delta: 0, flipped: false,
    }));
    const { root } = mount(state({ inputs, variants, kinds: ["negation"], title: HOSTILE, labels: [HOSTILE, "b"] }));
    expect(root.querySelector("img")).toBeNull();
    expect(root.querySelector(".iw-title-main")!.textContent).toBe(HOSTILE);
    expect(root.querySelector(".iw-rob-orig .iw-rob-text")!.textContent).toBe(`${HOSTILE} 0`);
    expect(root.querySelector(".iw-rob-orig .iw-rob-label")!.textContent).toBe(HOSTILE);
    expect(root.querySelectorAll(".iw-rob-input").length).toBe(25);
    const more = root.querySelector<HTMLButtonElement>("button.iw-rob-more")!;
    expect(more.hidden).toBe(false);
    more.click();
    expect(root.querySelectorAll(".iw-rob-input").length).toBe(30);
    expect(more.hidden).toBe(true);
  });

  it("keeps the error-box contract", () => {
    const { model, root } = mount(state());
    checkErrorBox(model, root);
  });

  it("cleans up its listeners", () => {
    const { model } = mount(state());
    expect(model.listenerCount("change:filter_kind")).toBe(1);
    cleanup!();
    cleanup = undefined;
    expect(model.listenerCount("change:filter_kind")).toBe(0);
    expect(host.querySelector(".iw-robustness")).toBeNull();
  });
});
