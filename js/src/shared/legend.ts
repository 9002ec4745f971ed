// The colour legend shared by widgets that use the diverging scale.

import { MISSING, divergingAt, rgbString } from "./colors";
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
  private readonly max: HTMLSpanElement;
  private readonly missing: HTMLSpanElement;

  /** `label`: the legend's name, already in the widget's language; `tr`: its translator. */
  constructor(parent: HTMLElement, label?: string, tr: Tr = english) {
    const el = (this.el = document.createElement("div"));
    el.className = "iw-legend";
    const name = span("iw-legend-label", label ?? tr("legend.activation"));
    const scale = document.createElement("span");
    scale.className = "iw-legend-scale";
    const canvas = document.createElement("canvas");
    canvas.className = "iw-legend-bar";
    canvas.width = 240;
    canvas.height = 1;
    const ctx = canvas.getContext("2d");
    if (ctx) {
      for (let x = 0; x < canvas.width; x++) {
        ctx.fillStyle = rgbString(divergingAt(((x + 0.5) / canvas.width) * 2 - 1));
        ctx.fillRect(x, 0, 1, 1);
      }
    }
    const ticks = document.createElement("span");
    ticks.className = "iw-legend-ticks";
    this.min = span("iw-legend-min", "\u22121");
    this.max = span("iw-legend-max", "1");
    ticks.append(this.min, span("iw-legend-zero", "0"), this.max);
    scale.append(canvas, ticks);
    const missing = (this.missing = document.createElement("span"));
    missing.className = "iw-legend-missing";
    const swatch = span("iw-swatch", "");
    swatch.style.backgroundColor = rgbString(MISSING);
    missing.title = tr("legend.missing_title");
    missing.append(swatch, document.createTextNode(tr("legend.missing")));
    el.append(name, scale, missing);
    parent.appendChild(el);
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
