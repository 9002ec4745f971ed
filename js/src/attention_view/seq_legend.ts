// The legend of a sequential scale (white → dark): a bar with its two end values, or a short
// text when a view's colours mean something else (the head view's line opacity).

import { MISSING, rgbString } from "../shared/colors";
import { el } from "../shared/dom";
import { formatValue } from "../shared/legend";
import { sequentialAt } from "../shared/sequential";

export class SequentialLegend {
  readonly el = el("div", "iw-legend iw-attn-legend");
  private readonly label = el("span", "iw-legend-label");
  private readonly scale = el("span", "iw-legend-scale");
  private readonly min = el("span", "iw-legend-min", "0");
  private readonly max = el("span", "iw-legend-max", "1");
  private readonly missing = el("span", "iw-legend-missing");
  private readonly text = el("span", "iw-attn-legend-text");

  constructor(parent: HTMLElement) {
    const bar = el("canvas", "iw-legend-bar");
    bar.width = 240;
    bar.height = 1;
    let ctx: CanvasRenderingContext2D | null = null;
    try { ctx = bar.getContext("2d"); } catch { ctx = null; }
    if (ctx && typeof ctx.fillRect === "function") {
      for (let x = 0; x < bar.width; x++) {
        ctx.fillStyle = rgbString(sequentialAt((x + 0.5) / bar.width));
        ctx.fillRect(x, 0, 1, 1);
      }
    }
    const ticks = el("span", "iw-legend-ticks");
    ticks.append(this.min, this.max);
    this.scale.append(bar, ticks);
    const swatch = el("span", "iw-swatch");
    swatch.style.backgroundColor = rgbString(MISSING);
    this.missing.append(swatch, document.createTextNode("missing"));
    this.missing.hidden = true;
    this.el.append(this.label, this.scale, this.text, this.missing);
    parent.appendChild(this.el);
  }

  /** A scale from lo to hi (formatted), with an optional note after it. */
  setScale(label: string, lo: number, hi: number, note = "", hasMissing = false): void {
    this.label.textContent = label;
    this.min.textContent = formatValue(lo);
    this.max.textContent = formatValue(hi);
    this.scale.hidden = false;
    this.text.textContent = note;
    this.text.hidden = !note;
    this.missing.hidden = !hasMissing;
  }

  /** No bar: a label and a sentence. */
  setText(label: string, text: string): void {
    this.label.textContent = label;
    this.scale.hidden = true;
    this.text.textContent = text;
    this.text.hidden = !text;
    this.missing.hidden = true;
  }
}
