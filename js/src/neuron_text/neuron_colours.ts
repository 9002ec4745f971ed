// The colours of the neuron view's text and its legend: the scale neuron_scale.ts decides for
// the shown column (its layer's range, the `scale` and `vmax` traits), the text's shades in the
// page's theme (one ink per theme), and the legend of that scale.

import { MISSING } from "../shared/colors";
import type { Legend } from "../shared/legend";
import type { Tr } from "../shared/i18n";
import { INK, MISSING_DARK, type Theme } from "../shared/text_scale";
import type { AnyModel } from "../shared/types";
import type { Column } from "./neuron_columns";
import type { NeuronControls } from "./neuron_controls";
import { absStats, barColor, describeScale, neuronScale, readMode, textShade, type AbsStats, type NeuronScale } from "./neuron_scale";

export class NeuronColours {
  /** The scale the shown column is painted with (null before the first). */
  scale: NeuronScale | null = null;
  private readonly stats = new WeakMap<Column, AbsStats>();

  constructor(
    private readonly model: AnyModel,
    private readonly controls: NeuronControls,
    private readonly legend: Legend,
    private readonly root: HTMLElement,
    private readonly tr: Tr,
  ) {}

  /** The `scale` trait ("p99", "max" or "tanh"). */
  get mode(): ReturnType<typeof readMode> {
    return readMode(this.model.get("scale"));
  }

  /** The half-width Python fixed (the `vmax` trait), or null. */
  get fixed(): number | null {
    const vmax = this.model.get("vmax");
    return typeof vmax === "number" && Number.isFinite(vmax) && vmax > 0 ? vmax : null;
  }

  /** The colour scale of values of `layer`; `stats`: |value| statistics of what is shown. */
  scaleOf(layer: string, stats: () => AbsStats): NeuronScale {
    return neuronScale(this.controls.rangeOf(layer), this.mode, this.fixed, stats);
  }

  private statsOf(col: Column): AbsStats {
    let s = this.stats.get(col);
    if (!s) this.stats.set(col, (s = absStats(col.values)));
    return s;
  }

  /** The page's theme now (the toolbar keeps `data-theme` on the root, and redraws on a switch). */
  get theme(): Theme {
    return this.root.dataset.theme === "dark" ? "dark" : "light";
  }

  /** The one ink of text on every shade in the current theme. */
  get ink(): string {
    return INK[this.theme];
  }

  /** Take the scale of `col`, show its legend; the text's shade of a value (a CSS colour) in
   *  the current theme. */
  shadeFor(col: Column): (v: number) => string {
    const scale = (this.scale = this.scaleOf(col.layer, () => this.statsOf(col)));
    this.showLegend();
    this.legend.setMissing(col.hasNaN);
    return textShade(scale, this.theme);
  }

  /** The legend of the shown scale, in the theme the page has now (again after a switch). */
  showLegend(): void {
    const { scale } = this;
    if (!scale) return;
    const { theme } = this;
    const { ticks, note } = describeScale(scale, this.tr);
    this.legend.setScale(`${scale.ramp}:${theme}`, barColor(scale, theme), ticks, note, theme === "dark" ? MISSING_DARK : MISSING);
    this.root.dataset.scale = scale.source;
  }
}
