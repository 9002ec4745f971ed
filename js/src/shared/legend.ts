// The colour legend shared by widgets that use the diverging scale.

import { MISSING, divergingAt, rgbString, type RGB } from "./colors";
import { english, type Tr } from "./i18n";

/** Format a number with 4 significant digits, trailing zeros trimmed ("0.532", "-1.25", "1235"). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return "0";
  return String(Number(v.toPrecision(4)));
}

/** A legend tick: 3 significant digits, a real minus sign (U+2212), no exponent for
 *  ordinary magnitudes ("−0.824", "12.3", "1230", "0.000123"). */
export function formatTick(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "\u221e" : "\u2212\u221e";
  if (v === 0) return "0";
  const a = Math.abs(v);
  const s = a >= 1e-4 && a < 1e6 ? String(Number(a.toPrecision(3))) : a.toPrecision(3).replace(/\.?0+e/, "e");
  return v < 0 ? `\u2212${s}` : s;
}

export class Legend {
  readonly el: HTMLDivElement;
  private readonly min: HTMLSpanElement;
  private readonly zero: HTMLSpanElement;
  private readonly max: HTMLSpanElement;
  private readonly missing: HTMLSpanElement;
  private readonly swatch: HTMLSpanElement;
  /** What the scale is ("clipped at ±2.31 (99th pct of |value|)"); hidden when empty. */
  readonly note: HTMLSpanElement;
  private readonly canvas: HTMLCanvasElement;
  /** Which colours the bar holds now (setScale's key). */
  private drawn = "diverging";

  /** `label`: the legend's name, already in the widget's language; `tr`: its translator. */
  constructor(parent: HTMLElement, label?: string, tr: Tr = english) {
    const el = (this.el = document.createElement("div"));
    el.className = "iw-legend";
    const name = span("iw-legend-label", label ?? tr("legend.activation"));
    const scale = document.createElement("span");
    scale.className = "iw-legend-scale";
    const canvas = (this.canvas = document.createElement("canvas"));
    canvas.className = "iw-legend-bar";
    canvas.width = 240;
    canvas.height = 1;
    this.paintBar((u) => divergingAt(u * 2 - 1));
    const ticks = document.createElement("span");
    ticks.className = "iw-legend-ticks";
    this.min = span("iw-legend-min", "\u22121");
    this.zero = span("iw-legend-zero", "0");
    this.max = span("iw-legend-max", "1");
    ticks.append(this.min, this.zero, this.max);
    scale.append(canvas, ticks);
    this.note = span("iw-legend-note", "");
    this.note.hidden = true;
    Object.assign(this.note.style, { maxWidth: "18em", lineHeight: "1.25" }); // wraps beside the bar
    const missing = (this.missing = document.createElement("span"));
    missing.className = "iw-legend-missing";
    const swatch = (this.swatch = span("iw-swatch", ""));
    swatch.style.backgroundColor = rgbString(MISSING);
    missing.title = tr("legend.missing_title");
    missing.append(swatch, document.createTextNode(tr("legend.missing")));
    el.append(name, scale, this.note, missing);
    parent.appendChild(el);
  }

  private paintBar(color: (u: number) => RGB): void {
    let ctx: CanvasRenderingContext2D | null = null;
    try { ctx = this.canvas.getContext("2d"); } catch { ctx = null; }
    if (!ctx || typeof ctx.fillRect !== "function") return;
    for (let x = 0; x < this.canvas.width; x++) {
      ctx.fillStyle = rgbString(color((x + 0.5) / this.canvas.width));
      ctx.fillRect(x, 0, 1, 1);
    }
  }

  /** Show a scale: `color(u)` for u in 0..1 along the bar (redrawn when `key` changes),
   *  the low, middle and high ticks, a note saying what the scale is, the missing swatch's
   *  colour. */
  setScale(key: string, color: (u: number) => RGB, ticks: [string, string, string], note: string, missing: RGB = MISSING): void {
    if (key !== this.drawn) { this.paintBar(color); this.drawn = key; }
    this.canvas.dataset.scale = key;
    [this.min.textContent, this.zero.textContent, this.max.textContent] = ticks;
    this.note.textContent = note;
    this.note.hidden = !note;
    this.swatch.style.backgroundColor = rgbString(missing);
  }

  setRange(vmax: number): void {
    const v = Number.isFinite(vmax) && vmax > 0 ? vmax : 1;
    this.min.textContent = formatTick(-v);
    this.max.textContent = formatTick(v);
  }

  /** Show the "missing" swatch (only while the shown values hold a NaN). */
  setMissing(show: boolean): void {
    this.missing.hidden = !show;
  }
}

function span(className: string, text: string): HTMLSpanElement {
  const s = document.createElement("span");
  s.className = className;
  s.textContent = text;
  return s;
}
