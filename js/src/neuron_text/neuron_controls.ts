// The header of the neuron view: the caption (only when there is a title), the layer menu,
// the neuron stepper and (NeuronText, NeuronExplorer) the colour-scale menu. Events are wired
// by the views (NeuronView, NeuronDashboard); this file builds and updates the DOM, and says
// which unit a choice in the browser lands on (`clamp`).

import { el } from "../shared/dom";
import { english, type Tr } from "../shared/i18n";
import type { AnyModel } from "../shared/types";
import { TitleRow } from "../shared/view";
import { SCALE_MODES, type ScaleMode, type ValueRange } from "./neuron_scale";

/** A layer of the menu; `unit` names its units ("feature" for a sparse autoencoder's, else "neuron"). */
export interface LayerInfo { name: string; n_units: number; unit?: string; range?: ValueRange }

/** A layer name with an index: "rnn.0.c" → ["rnn", "0", "c"], "blocks.3.mlp" → ["blocks", "3", "mlp"]. */
const INDEXED = /^(.+?)\.(\d+)\.(.+)$/;

/** The scale menu's words, by mode. */
const MODE_KEYS: Record<ScaleMode, string> = { p99: "scale.mode_p99", max: "scale.mode_max", tanh: "scale.mode_tanh" };
/** The words of the (disabled) menu on a layer of known range: the scale in effect there. */
const RANGE_KEYS: Record<Exclude<ValueRange, null>, string> = { unit: "scale.mode_unit", tanh: "scale.mode_tanh_range" };

/** Suffix of a layer an exported page does not hold. */
export const NOT_IN_FILE = english("neuron_text.not_in_file");

export class NeuronControls {
  /** The title row's element (above the controls). */
  get title(): HTMLDivElement {
    return this.titleRow.el;
  }
  readonly row = el("div", "iw-controls");
  readonly select = el("select", "iw-layer");
  readonly input = el("input", "iw-neuron");
  readonly prev = el("button", "iw-prev", "\u25C0");
  readonly next = el("button", "iw-next", "\u25B6");
  private readonly of = el("span", "iw-of");
  layers: LayerInfo[] = [];
  /** Layers this page holds (an exported page), or null: every layer (a live widget). */
  held: Set<string> | null = null;
  private readonly layerField = el("label", "iw-field");
  private readonly neuronField = el("span", "iw-field");
  private readonly neuronName = el("span", "iw-field-name", "neuron");
  private readonly layerName = el("span", "iw-field-name", "layer");
  /** The widget's words in its language (set by the view with `setLanguage`). */
  private tr: Tr = english;
  /** "999 is out of range: neurons 0–255", after a number past either end was typed. */
  readonly rangeNote = el("span", "iw-range-note");
  /** The colour-scale menu (the `scale` trait); hidden until a view shows it (`showScale`). */
  readonly scaleSelect = el("select", "iw-scale");
  private readonly scaleField = el("label", "iw-field iw-scale-field");
  private readonly scaleName = el("span", "iw-field-name", "scale");
  /** The menu's entry on a layer of known range (in the menu only there): what is in effect. */
  private readonly rangeOption = el("option", "iw-scale-range");
  /** The range the scale menu was last synced for (re-labelled on a language change). */
  private scaleRange: ValueRange = null;
  /** The unit the title was given for: the one shown when the title arrived. */
  private titleUnit: { title: string; layer: string; neuron: number } | null = null;

  /** `titleRow`: the view's title row (view.ts): the title in bold, then `layer · neuron n`
   *  small and muted; hidden with no title. */
  constructor(readonly titleRow: TitleRow = new TitleRow()) {
    titleRow.el.hidden = true;
    const layerLabel = this.layerField;
    layerLabel.append(this.layerName, this.select);
    this.input.type = "number";
    this.input.min = "0";
    this.input.step = "1";
    this.setLanguage(english);
    for (const b of [this.prev, this.next]) b.type = "button";
    const neuronField = this.neuronField;
    const stepper = el("span", "iw-stepper");
    stepper.append(this.prev, this.input, this.next);
    this.rangeNote.setAttribute("role", "status");
    this.rangeNote.style.color = "var(--iw-error-fg)";
    this.rangeNote.style.marginLeft = "6px";
    this.rangeNote.hidden = true;
    neuronField.append(this.neuronName, stepper, this.of, this.rangeNote);
    this.scaleField.append(this.scaleName, this.scaleSelect);
    this.scaleField.hidden = true;
    this.row.append(layerLabel, neuronField, this.scaleField);
  }

  /** Show the colour-scale menu (NeuronText and NeuronExplorer have one). */
  showScale(): void {
    this.scaleField.hidden = false;
  }

  /** Show `mode` in the scale menu; on a layer of known `range` the menu is off, shows the
   *  scale in effect there ("0–1 (sigmoid gate)", not the mode that other layers use) and its
   *  tooltip says why; with a scale `fixed` in Python (`vmax`) there is no menu. */
  syncScale(mode: ScaleMode, range: ValueRange, fixed = false): void {
    this.scaleField.hidden = fixed;
    this.scaleRange = range;
    const select = this.scaleSelect;
    if (range === null) {
      this.rangeOption.remove();
      if (select.value !== mode) select.value = mode;
    } else {
      this.rangeOption.textContent = this.tr(RANGE_KEYS[range]);
      this.rangeOption.value = `range:${range}`;
      if (this.rangeOption.parentNode !== select) select.append(this.rangeOption);
      this.rangeOption.selected = true;
    }
    select.disabled = range !== null;
    select.title = range === "unit"
      ? this.tr("scale.fixed_unit")
      : range === "tanh" ? this.tr("scale.fixed_tanh") : this.tr("scale.menu_title");
  }

  /** Label the controls in the widget's language (`tr`: its `_strings`). */
  setLanguage(tr: Tr): void {
    this.tr = tr;
    this.layerName.textContent = tr("neuron_text.layer");
    this.labelUnits("neuron");
    this.scaleName.textContent = tr("scale.name");
    const value = this.scaleSelect.value;
    this.scaleSelect.replaceChildren(...SCALE_MODES.map((m) => {
      const o = el("option", "", tr(MODE_KEYS[m]));
      o.value = m;
      return o;
    }));
    if (this.scaleRange !== null) {
      this.rangeOption.textContent = tr(RANGE_KEYS[this.scaleRange]);
      this.scaleSelect.append(this.rangeOption);
      this.rangeOption.selected = true;
    } else if (value) this.scaleSelect.value = value;
  }

  /** A unit's name in the widget's language ("neuron" / "feature"; plural for a range). */
  private unitWord(noun: string, plural = false): string {
    const key = noun === "feature"
      ? (plural ? "neuron_text.units_feature" : "neuron_text.unit_feature")
      : (plural ? "neuron_text.units_neuron" : "neuron_text.unit_neuron");
    return this.tr(key);
  }

  private labelUnits(noun: string): void {
    const word = this.unitWord(noun);
    this.neuronName.textContent = word;
    this.neuronName.dataset.noun = noun;
    this.input.setAttribute("aria-label", word);
    this.prev.title = this.tr("neuron_text.prev", { unit: word });
    this.next.title = this.tr("neuron_text.next", { unit: word });
  }

  /** Fill the layer menu. `exportLayers` (an exported page's state) lists the layers the file
   *  holds; the others stay in the menu, disabled, so a reader knows they exist. */
  setLayers(raw: unknown, exportLayers: unknown): void {
    this.layers = Array.isArray(raw)
      ? raw.map((l: LayerInfo) => ({
          name: String(l.name),
          n_units: Math.max(0, Number(l.n_units) | 0),
          unit: l.unit === "feature" ? "feature" : "neuron",
          range: l.range === "unit" || l.range === "tanh" ? l.range : null,
        }))
      : [];
    this.held = Array.isArray(exportLayers) ? new Set(exportLayers.map(String)) : null;
    this.select.replaceChildren(...this.layers.map((l) => {
      const inFile = this.holds(l.name);
      const o = el("option", inFile ? "" : "iw-not-in-file", inFile ? l.name : l.name + this.tr("neuron_text.not_in_file"));
      o.value = l.name;
      o.disabled = !inFile;
      if (!inFile) o.title = this.tr("neuron_text.not_in_file_title");
      return o;
    }));
    this.select.disabled = this.layers.length < 2; // open even with one held layer: it lists the others
    // one layer of one unit (a value per token, e.g. iw.circuitsvis.tokens.colored_tokens):
    // nothing to choose, so no menu and no stepper
    const single = this.layers.length === 1 && this.layers[0].n_units === 1;
    this.layerField.hidden = single;
    this.neuronField.hidden = single;
  }

  /** What the units of `layer` are called: "feature" (a sparse autoencoder's) or "neuron". */
  nounOf(layer: string): string {
    return this.layers.find((l) => l.name === layer)?.unit ?? "neuron";
  }

  holds(layer: string): boolean {
    return !this.held || this.held.has(layer);
  }

  unitsOf(layer: string): number {
    return this.layers.find((l) => l.name === layer)?.n_units ?? 0;
  }

  /** The known range of `layer`'s values (null: unbounded or unknown). */
  rangeOf(layer: string): ValueRange {
    return this.layers.find((l) => l.name === layer)?.range ?? null;
  }

  /** Where a choice made in the browser lands: `layer` when the menu has it (else `current`'s
   *  layer), `neuron` clamped to that layer's units. */
  clamp(layer: string, neuron: number, current: string): [string, number] {
    const to = this.layers.some((l) => l.name === layer) ? layer : current;
    return [to, Math.max(0, Math.min(this.unitsOf(to) - 1, neuron | 0))];
  }

  /** A choice made in the browser: clamped, then the `layer` / `neuron` traits that change are
   *  set on `model` and saved (synced to Python). The new selection, or null when the choice
   *  lands on the `current` one. */
  choose(model: AnyModel, current: [string, number], layer: string, neuron: number): [string, number] | null {
    const to = this.clamp(layer, neuron, current[0]);
    if (to[0] === current[0] && to[1] === current[1]) return null;
    if (to[0] !== current[0]) model.set("layer", to[0]);
    if (to[1] !== current[1]) model.set("neuron", to[1]);
    model.save_changes();
    return to;
  }

  /** The layer Up (dir -1) / Down (+1) goes to, or null: the same array one layer up or down
   *  (rnn.0.c → rnn.1.c, blocks.2.mlp → blocks.3.mlp) when the layer's name has an index and
   *  others share its kind; else the neighbour in the menu. Layers this page does not hold
   *  are skipped. */
  stepLayer(layer: string, dir: -1 | 1): string | null {
    const li = this.layers.findIndex((l) => l.name === layer);
    if (li < 0) return null;
    const m = INDEXED.exec(layer);
    if (m) {
      const kin = this.layers
        .map((l) => ({ name: l.name, m: INDEXED.exec(l.name) }))
        .filter((l) => l.m && l.m[1] === m[1] && l.m[3] === m[3])
        .map((l) => ({ name: l.name, k: Number(l.m![2]) }));
      if (kin.length > 1) {
        const here = Number(m[2]);
        const next = kin
          .filter((l) => (dir > 0 ? l.k > here : l.k < here) && this.holds(l.name))
          .sort((a, b) => dir * (a.k - b.k))[0];
        return next ? next.name : null;
      }
    }
    for (let k = li + dir; k >= 0 && k < this.layers.length; k += dir) {
      if (this.holds(this.layers[k].name)) return this.layers[k].name;
    }
    return null;
  }

  /** Show the selection in the controls. */
  sync(layer: string, neuron: number): void {
    const units = this.unitsOf(layer);
    if (this.select.value !== layer) this.select.value = layer;
    const last = Math.max(0, units - 1);
    this.input.max = String(last);
    // Wide enough for the largest index, not more: digits in ch plus the padding.
    this.input.style.width = `calc(${Math.max(2, String(last).length) + 1}ch + 10px)`;
    if (this.input.value !== String(neuron)) this.input.value = String(neuron);
    this.of.textContent = this.tr("neuron_text.of", { n: units });
    const noun = this.nounOf(layer);
    if (this.neuronName.dataset.noun !== noun) this.labelUnits(noun);
    this.prev.disabled = neuron <= 0;
    this.next.disabled = neuron >= units - 1;
  }

  /** Say which units exist after `typed` was past either end (null: hide the note). */
  showRange(typed: number | null, units: number, layer: string): void {
    this.rangeNote.hidden = typed === null;
    this.rangeNote.textContent = typed === null
      ? ""
      : this.tr("neuron_text.range", {
          typed,
          units: this.unitWord(this.nounOf(layer), true),
          last: Math.max(0, units - 1),
        });
  }

  /** The title with the unit it was given for once another unit is shown, so a caption never
   *  names the wrong unit — "the string cell (rnn.0.c · neuron 231)", then "now: rnn.0.c ·
   *  neuron 232" — and the plain title on its own unit. The unit a title was given for is the
   *  one shown when that title first arrived here. */
  setTitle(title: string, layer: string, neuron: number): void {
    if (!this.titleUnit || this.titleUnit.title !== title) this.titleUnit = { title, layer, neuron };
    const given = this.titleUnit;
    const now = `${layer} \u00b7 ${this.unitWord(this.nounOf(layer))} ${neuron}`;
    const moved = !!title && !!given && (given.layer !== layer || given.neuron !== neuron);
    this.titleRow.set(
      moved && given ? `${title} (${given.layer} \u00b7 ${this.unitWord(this.nounOf(given.layer))} ${given.neuron})` : title,
      moved ? this.tr("neuron_text.now", { now }) : now,
    );
    this.titleRow.el.classList.toggle("iw-title-moved", moved);
    this.titleRow.el.hidden = !title;
    // untitled, a figure still says which unit it shows (picture.ts reveals it for the picture)
    this.titleRow.el.classList.toggle("iw-figure-only", !title);
  }
}
