// The header of the neuron view: the caption (only when there is a title), the layer menu
// and the neuron stepper. Events are wired by NeuronView; this file builds and updates the DOM.

import { el } from "../shared/dom";
import { TitleRow } from "../shared/view";

/** A layer of the menu; `unit` names its units ("feature" for a sparse autoencoder's, else "neuron"). */
export interface LayerInfo { name: string; n_units: number; unit?: string }

/** Suffix of a layer an exported page does not hold. */
export const NOT_IN_FILE = " \u2014 not in this file";

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
  /** "999 is out of range: neurons 0–255", after a number past either end was typed. */
  readonly rangeNote = el("span", "iw-range-note");

  /** `titleRow`: the view's title row (view.ts): the title in bold, then `layer · neuron n`
   *  small and muted; hidden with no title. */
  constructor(readonly titleRow: TitleRow = new TitleRow()) {
    titleRow.el.hidden = true;
    const layerLabel = this.layerField;
    layerLabel.append(el("span", "iw-field-name", "layer"), this.select);
    this.input.type = "number";
    this.input.min = "0";
    this.input.step = "1";
    this.input.setAttribute("aria-label", "neuron");
    this.prev.title = "previous neuron (\u2190)";
    this.next.title = "next neuron (\u2192)";
    for (const b of [this.prev, this.next]) b.type = "button";
    const neuronField = this.neuronField;
    const stepper = el("span", "iw-stepper");
    stepper.append(this.prev, this.input, this.next);
    this.rangeNote.setAttribute("role", "status");
    this.rangeNote.style.color = "var(--iw-error-fg)";
    this.rangeNote.style.marginLeft = "6px";
    this.rangeNote.hidden = true;
    neuronField.append(this.neuronName, stepper, this.of, this.rangeNote);
    this.row.append(layerLabel, neuronField);
  }

  /** Fill the layer menu. `exportLayers` (an exported page's state) lists the layers the file
   *  holds; the others stay in the menu, disabled, so a reader knows they exist. */
  setLayers(raw: unknown, exportLayers: unknown): void {
    this.layers = Array.isArray(raw)
      ? raw.map((l: LayerInfo) => ({
          name: String(l.name),
          n_units: Math.max(0, Number(l.n_units) | 0),
          unit: l.unit === "feature" ? "feature" : "neuron",
        }))
      : [];
    this.held = Array.isArray(exportLayers) ? new Set(exportLayers.map(String)) : null;
    this.select.replaceChildren(...this.layers.map((l) => {
      const inFile = this.holds(l.name);
      const o = el("option", inFile ? "" : "iw-not-in-file", inFile ? l.name : l.name + NOT_IN_FILE);
      o.value = l.name;
      o.disabled = !inFile;
      if (!inFile) o.title = "this exported file does not hold this layer; export again from the notebook to see it";
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

  /** The nearest layer above (dir -1) or below (+1) `layer` that this page holds, or null. */
  stepLayer(layer: string, dir: -1 | 1): string | null {
    const li = this.layers.findIndex((l) => l.name === layer);
    if (li < 0) return null;
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
    this.of.textContent = `of ${units}`;
    const noun = this.nounOf(layer);
    if (this.neuronName.textContent !== noun) {
      this.neuronName.textContent = noun;
      this.input.setAttribute("aria-label", noun);
      this.prev.title = `previous ${noun} (\u2190)`;
      this.next.title = `next ${noun} (\u2192)`;
    }
    this.prev.disabled = neuron <= 0;
    this.next.disabled = neuron >= units - 1;
  }

  /** Say which units exist after `typed` was past either end (null: hide the note). */
  showRange(typed: number | null, units: number, layer: string): void {
    this.rangeNote.hidden = typed === null;
    this.rangeNote.textContent = typed === null
      ? ""
      : `${typed} is out of range: ${this.nounOf(layer)}s 0\u2013${Math.max(0, units - 1)}`;
  }

  /** The title with the unit it was given for (`given`) once another unit is shown, so a
   *  caption never names the wrong unit — "the string cell (rnn.0.c · neuron 231)", then
   *  "now: rnn.0.c · neuron 232" — and the plain title on its own unit. */
  setTitle(title: string, layer: string, neuron: number, given?: { layer: string; neuron: number }): void {
    const now = `${layer} \u00b7 ${this.nounOf(layer)} ${neuron}`;
    const moved = !!given && (given.layer !== layer || given.neuron !== neuron);
    this.titleRow.set(
      moved && given ? `${title} (${given.layer} \u00b7 ${this.nounOf(given.layer)} ${given.neuron})` : title,
      moved ? `now: ${now}` : now,
    );
    this.titleRow.el.classList.toggle("iw-title-moved", moved);
    this.titleRow.el.hidden = !title;
  }
}
