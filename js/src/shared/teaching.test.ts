// @vitest-environment happy-dom
// The teaching helpers: colour parsing and contrast (theme.ts), the pure parts of the SVG
// snapshot (snapshot.ts), the toolbar and presentation mode (toolbar.ts), the palettes.
import { afterEach, describe, expect, it, vi } from "vitest";
import { canvasFont, uiScale } from "./canvas";
import { OKABE_ITO, hexToRgb, luminance } from "./colors";
import { SERIES_COLORS } from "../probe_chart/probe_data";
import { HEAD_PALETTE, headColor } from "./sequential";
import {
  gradientLine, intersect, parseGradient, parseShadows, rectDiff, shadowRects, snapshotFileName, splitTop,
  stopOffsets, xmlText,
} from "./snapshot";
import { contrast, legibleOn, mix, over, parseCssColor, readableText } from "./theme";
import { PRESENT_CLASS, Toolbar, attachToolbar } from "./toolbar";
import probeChart from "../probe_chart/probe_chart";
import { FakeModel } from "../testing/fake_model";

afterEach(() => { document.body.replaceChildren(); });

describe("colours and contrast (theme.ts)", () => {
  it("parses the colours getComputedStyle returns", () => {
    expect(parseCssColor("rgb(12, 34, 56)")).toEqual([12, 34, 56, 1]);
    expect(parseCssColor("rgba(255, 255, 255, 0.87)")).toEqual([255, 255, 255, 0.87]);
    expect(parseCssColor("rgb(12 34 56 / 50%)")).toEqual([12, 34, 56, 0.5]);
    expect(parseCssColor("color(srgb 1 0.5 0 / 0.25)")).toEqual([255, 128, 0, 0.25]);
    expect(parseCssColor("#0072b2")).toEqual([0, 114, 178, 1]);
    expect(parseCssColor("#fff")).toEqual([255, 255, 255, 1]);
    expect(parseCssColor("#11223380")).toEqual([17, 34, 51, 128 / 255]);
    expect(parseCssColor("transparent")).toEqual([0, 0, 0, 0]);
    expect(parseCssColor("color(display-p3 1 0 0)")).toBeNull();
    expect(parseCssColor("not a colour")).toBeNull();
    expect(parseCssColor("")).toBeNull();
  });
  it("composites, measures contrast and picks readable text", () => {
    expect(over([255, 255, 255, 0.87], [17, 17, 17])).toEqual([224, 224, 224]);
    expect(contrast([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
    expect(contrast([17, 17, 17], [17, 17, 17])).toBeCloseTo(1, 5);
    expect(readableText([0, 48, 97])).toBe("#fff");
    expect(readableText([247, 247, 247])).toBe("#111");
    expect(mix([0, 0, 0], [255, 255, 255], 0.5)).toEqual([128, 128, 128]);
  });
  it("nudges a series colour until it reads as text on the page, keeping its hue", () => {
    const orange = hexToRgb("#e69f00");
    const white: [number, number, number] = [255, 255, 255];
    const dark: [number, number, number] = [13, 17, 23];
    expect(contrast(orange, white)).toBeLessThan(4.5);
    const onWhite = legibleOn(orange, white);
    expect(contrast(onWhite, white)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(onWhite, white)).toBeLessThan(5.5); // just enough, not black
    expect(onWhite[0]).toBeGreaterThan(onWhite[2]); // still orange
    const blue = hexToRgb("#0072b2");
    const onDark = legibleOn(blue, dark);
    expect(contrast(onDark, dark)).toBeGreaterThanOrEqual(4.5);
    expect(luminance(onDark)).toBeGreaterThan(luminance(blue)); // lighter on a dark page
    expect(legibleOn(hexToRgb("#111111"), white)).toEqual(hexToRgb("#111111")); // already fine
  });
});

describe("palettes are colour-blind safe (Okabe–Ito)", () => {
  const okabeIto = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000"];
  it("uses Okabe–Ito colours for heads and probe series", () => {
    for (const c of OKABE_ITO) expect(okabeIto).toContain(c);
    expect(HEAD_PALETTE).toEqual(OKABE_ITO);
    expect(SERIES_COLORS).toEqual(OKABE_ITO);
    expect(new Set(OKABE_ITO).size).toBe(6);
  });
  it("every palette colour is visible as a mark on white and on a dark page (≥ 2:1)", () => {
    for (const c of OKABE_ITO) {
      expect(contrast(hexToRgb(c), [255, 255, 255])).toBeGreaterThanOrEqual(2);
      expect(contrast(hexToRgb(c), [17, 17, 17])).toBeGreaterThanOrEqual(2);
    }
  });
  it("gives 12 heads 12 distinct colours: the second pass darker on light, lighter on dark", () => {
    const light = Array.from({ length: 12 }, (_, h) => headColor(h).join(","));
    const dark = Array.from({ length: 12 }, (_, h) => headColor(h, true).join(","));
    expect(new Set(light).size).toBe(12);
    expect(new Set(dark).size).toBe(12);
    expect(headColor(0)).toEqual(hexToRgb(OKABE_ITO[0]));
    expect(luminance(headColor(6))).toBeLessThan(luminance(headColor(0)));
    expect(luminance(headColor(6, true))).toBeGreaterThan(luminance(headColor(0, true)));
  });
});

describe("snapshot helpers (snapshot.ts)", () => {
  it("names the files", () => {
    expect(snapshotFileName("neuron_text", "png")).toBe("interpwidgets-neuron_text.png");
    expect(snapshotFileName("Attention View!", "svg")).toBe("interpwidgets-attention_view.svg");
    expect(snapshotFileName("", "png")).toBe("interpwidgets-widget.png");
    expect(snapshotFileName("../../etc", "svg")).toBe("interpwidgets-etc.svg");
  });
  it("keeps only text XML can hold", () => {
    expect(xmlText("a\u0000b\u000cc\td\ne")).toBe("abc\td\ne");
    expect(xmlText("\ud83d\ude42 ok")).toBe("\ud83d\ude42 ok");
    expect(xmlText("x\ud800y")).toBe("x\ufffdy");
    expect(xmlText("<img src=x onerror=alert(1)>")).toBe("<img src=x onerror=alert(1)>"); // escaped by XMLSerializer
  });
  it("intersects and subtracts rectangles", () => {
    const a = { left: 0, top: 0, right: 10, bottom: 10 };
    expect(intersect(a, { left: 5, top: 5, right: 20, bottom: 20 })).toEqual({ left: 5, top: 5, right: 10, bottom: 10 });
    expect(intersect(a, { left: 10, top: 0, right: 20, bottom: 10 })).toBeNull();
    expect(intersect(a, null)).toBe(a);
    const ring = rectDiff(a, { left: 2, top: 2, right: 8, bottom: 8 });
    expect(ring.reduce((s, r) => s + (r.right - r.left) * (r.bottom - r.top), 0)).toBe(100 - 36);
    expect(rectDiff(a, { left: 20, top: 20, right: 30, bottom: 30 })).toEqual([a]);
  });
  it("reads box shadows and where they paint", () => {
    const [bar] = parseShadows("rgb(142, 36, 170) 0px -3px 0px 0px inset");
    expect(bar).toEqual({ color: "rgb(142, 36, 170)", x: 0, y: -3, blur: 0, spread: 0, inset: true });
    const box = { left: 0, top: 0, right: 20, bottom: 10 };
    // an inset shadow moved up by 3: a 3 px bar along the bottom (the brushed-span mark)
    expect(shadowRects(box, bar)).toEqual([{ left: 0, top: 7, right: 20, bottom: 10 }]);
    const [ring, shade] = parseShadows("rgb(31, 111, 235) 0px 0px 0px 2px inset, rgba(0, 0, 0, 0.14) 0px 4px 14px 0px");
    expect(ring.spread).toBe(2);
    expect(shade.blur).toBe(14);
    const area = shadowRects(box, ring).reduce((s, r) => s + (r.right - r.left) * (r.bottom - r.top), 0);
    expect(area).toBe(200 - 16 * 6);
    const outer = shadowRects(box, { color: "red", x: 0, y: 0, blur: 0, spread: 1.5, inset: false });
    expect(outer.reduce((s, r) => s + (r.right - r.left) * (r.bottom - r.top), 0)).toBeCloseTo(23 * 13 - 200, 6);
    expect(parseShadows("none")).toEqual([]);
  });
  it("parses the gradients the widgets use", () => {
    const legend = parseGradient("linear-gradient(to right, rgb(5, 48, 97), rgb(247, 247, 247), rgb(103, 0, 31))");
    expect(legend).toEqual({ angle: 90, repeating: false, stops: [
      { color: "rgb(5, 48, 97)", pos: null, unit: "%" }, { color: "rgb(247, 247, 247)", pos: null, unit: "%" },
      { color: "rgb(103, 0, 31)", pos: null, unit: "%" },
    ] });
    expect(stopOffsets(legend!.stops, 150)).toEqual([0, 0.5, 1]);
    const scale = parseGradient("linear-gradient(90deg, rgb(5, 48, 97), rgb(67, 147, 195) 20%, rgb(247, 247, 247) 50%, rgb(214, 96, 77) 80%, rgb(103, 0, 31))");
    expect(stopOffsets(scale!.stops, 40)).toEqual([0, 0.2, 0.5, 0.8, 1]);
    const hatch = parseGradient("repeating-linear-gradient(135deg, rgba(0, 0, 0, 0) 0px, rgba(0, 0, 0, 0) 3px, rgba(0, 0, 0, 0.09) 3px, rgba(0, 0, 0, 0.09) 5px)");
    expect(hatch?.repeating).toBe(true);
    expect(hatch?.angle).toBe(135);
    expect(stopOffsets(hatch!.stops, 5)).toEqual([0, 0.6, 0.6, 1]);
    expect(parseGradient("url(x.png)")).toBeNull();
    expect(parseGradient("linear-gradient(to top left, red, blue)")?.angle).toBe(315);
    expect(splitTop("rgb(1, 2, 3) 0px, red 5px")).toEqual(["rgb(1, 2, 3) 0px", "red 5px"]);
  });
  it("places the gradient line as CSS does", () => {
    expect(gradientLine(90, 100, 10).map((v) => Math.round(v * 1e6) / 1e6 + 0)).toEqual([0, 5, 100, 5]);
    expect(gradientLine(180, 100, 10).map((v) => Math.round(v * 1e6) / 1e6 + 0)).toEqual([50, 0, 50, 10]);
  });
});

describe("text scale (canvas.ts)", () => {
  it("reads --iw-scale and scales canvas fonts", () => {
    const el = document.createElement("div");
    document.body.append(el);
    expect(uiScale(el)).toBe(1);
    el.style.setProperty("--iw-scale", "1.5");
    expect(uiScale(el)).toBe(1.5);
    expect(canvasFont(el, 11)).toMatch(/^400 16\.5px /);
    el.style.setProperty("--iw-scale", "nonsense");
    expect(uiScale(el)).toBe(1);
  });
});

describe("the toolbar (toolbar.ts)", () => {
  function setup(presentation = false) {
    const model = new FakeModel({ presentation });
    const root = document.createElement("div");
    root.className = "iw-root";
    const row = document.createElement("div");
    const legend = document.createElement("div");
    legend.className = "iw-legend";
    row.append(document.createElement("span"), legend);
    root.append(row);
    document.body.append(root);
    const redraw = vi.fn();
    const toolbar = new Toolbar({ model, root, name: "neuron_text", parent: row, beside: legend, redraw });
    return { model, root, row, legend, redraw, toolbar };
  }
  it("sits in the row beside the legend, and leaves the row as it was when destroyed", () => {
    const { row, legend, toolbar } = setup();
    const group = row.querySelector(".iw-tb-group")!;
    expect(group.children[0]).toBe(legend);
    expect(group.children[1]).toBe(toolbar.el);
    expect(Array.from(toolbar.el.querySelectorAll("button")).map((b) => b.textContent)).toEqual(["A+", "Figure", "\u2913 PNG", "\u2913 SVG"]);
    expect(toolbar.el.dataset.iwSnapshot).toBe("skip");
    toolbar.destroy();
    expect(row.querySelector(".iw-tb-group")).toBeNull();
    expect(row.lastElementChild).toBe(legend);
    expect(row.querySelector(".iw-toolbar")).toBeNull();
  });
  it("the picture mode button flips figure ↔ screenshot (figure first)", () => {
    const { toolbar } = setup();
    expect(toolbar.pictureMode).toBe("figure");
    expect(toolbar.mode.dataset.mode).toBe("figure");
    toolbar.mode.click();
    expect(toolbar.pictureMode).toBe("screenshot");
    expect(toolbar.mode.textContent).toBe("Screenshot");
    expect(toolbar.mode.title).toMatch(/controls included/);
    toolbar.mode.click();
    expect(toolbar.mode.textContent).toBe("Figure");
    toolbar.destroy();
  });
  it("A+ flips the presentation trait both ways and redraws", () => {
    const { model, root, toolbar, redraw } = setup();
    expect(root.classList.contains(PRESENT_CLASS)).toBe(false);
    toolbar.present.click();
    expect(model.get("presentation")).toBe(true);
    expect(model.saves).toBe(1);
    expect(root.classList.contains(PRESENT_CLASS)).toBe(true);
    expect(toolbar.present.getAttribute("aria-pressed")).toBe("true");
    expect(redraw).toHaveBeenCalledTimes(1);
    model.set("presentation", false); // from Python
    expect(root.classList.contains(PRESENT_CLASS)).toBe(false);
    expect(toolbar.present.getAttribute("aria-pressed")).toBe("false");
    expect(redraw).toHaveBeenCalledTimes(2);
    toolbar.destroy();
    model.set("presentation", true);
    expect(root.classList.contains(PRESENT_CLASS)).toBe(false); // no longer listening
    expect(model.listenerCount("change:presentation")).toBe(0);
  });
  /** A host whose stylesheet makes what is put in it dark, as JupyterLab Dark's does. */
  function darkHost() {
    const sheet = document.createElement("style");
    sheet.textContent = ".dark-host > div { --iw-bg: #111111; }";
    document.head.append(sheet);
    const host = document.createElement("div");
    host.className = "dark-host";
    document.body.append(host);
    return { host, sheet };
  }
  it("reads the theme again once the host puts the view in the page (built detached)", async () => {
    const { host, sheet } = darkHost();
    const model = new FakeModel({});
    const root = document.createElement("div");
    const row = document.createElement("div");
    root.append(row);
    const redraw = vi.fn();
    const toolbar = new Toolbar({ model, root, name: "neuron_text", parent: row, redraw });
    expect(root.dataset.theme).toBe("light"); // nothing to read yet
    await new Promise((r) => setTimeout(r, 30));
    host.append(root);
    await vi.waitFor(() => expect(root.dataset.theme).toBe("dark"));
    expect(redraw).toHaveBeenCalled();
    toolbar.destroy();
    host.remove();
    sheet.remove();
  });
  it("stops watching for the page when destroyed before it was attached", async () => {
    const { host, sheet } = darkHost();
    const root = document.createElement("div");
    const row = document.createElement("div");
    root.append(row);
    const toolbar = new Toolbar({ model: new FakeModel({}), root, name: "neuron_text", parent: row });
    toolbar.destroy();
    host.append(root);
    await new Promise((r) => setTimeout(r, 100));
    expect(root.dataset.theme).toBe("light");
    host.remove();
    sheet.remove();
  });
  it("starts in the mode the model holds (an exported page keeps it)", () => {
    const { root, toolbar } = setup(true);
    expect(root.classList.contains(PRESENT_CLASS)).toBe(true);
    expect(toolbar.present.classList.contains("iw-active")).toBe(true);
  });
  it("attachToolbar appends to the row when there is nothing to sit beside", () => {
    const model = new FakeModel({});
    const root = document.createElement("div");
    const row = document.createElement("div");
    root.append(row);
    const cleanup = attachToolbar({ model, root, name: "robustness", parent: row });
    expect(row.lastElementChild?.className).toBe("iw-toolbar");
    cleanup();
    expect(row.children.length).toBe(0);
  });
  it("every widget carries it: ProbeChart", () => {
    const model = new FakeModel({ series: [], metric: "accuracy", selected: {}, neuron: {}, title: "", error: "", presentation: true });
    const host = document.createElement("div");
    document.body.append(host);
    const destroy = probeChart.render({ model, el: host }) as () => void;
    const root = host.querySelector(".iw-probe-chart")!;
    expect(root.querySelector(".iw-probe-controls .iw-toolbar .iw-tb-png")).not.toBeNull();
    expect(root.classList.contains(PRESENT_CLASS)).toBe(true);
    destroy();
    expect(host.querySelector(".iw-toolbar")).toBeNull();
  });
});
