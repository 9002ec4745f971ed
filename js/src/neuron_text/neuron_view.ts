// The neuron view shared by NeuronText and NeuronExplorer: title, layer/neuron controls,
// legend, and the original text coloured token by token by one neuron (Karpathy et al.
// 2016). Columns the kernel did not send are fetched on demand. Widgets that build on it
// add their own pieces below the text through the hooks in NeuronViewOptions. The parts:
// neuron_controls.ts (title, menus, stepper), neuron_columns.ts (columns fetched and cached),
// neuron_colours.ts / neuron_scale.ts (the colour scale), neuron_tooltip.ts (a token's tooltip).

import { decode, type Encoded } from "../shared/codec";
import { ColumnStore, type Column } from "./neuron_columns";
import { Legend } from "../shared/legend";
import { NeuronColours } from "./neuron_colours";
import { readMode } from "./neuron_scale";
import { NeuronControls, type LayerInfo } from "./neuron_controls";
import { TokenStrip, type Colorer } from "../shared/text";
import { english, translator, type Tr } from "../shared/i18n";
import { lineRect, tokenTooltip } from "./neuron_tooltip";
import { el } from "../shared/dom";
import { HoverRing } from "./hover_ring";
import { StatusLine } from "../shared/status";
import type { NeuronTextState } from "../shared/states";
import type { AnyModel } from "../shared/types";
import { WidgetView } from "../shared/view";

export type { LayerInfo } from "./neuron_controls";

/** Tooltip line of a token the model did not have in its vocabulary. */
export const UNKNOWN_LINE = english("neuron_text.unknown");

export interface NeuronViewOptions {
  /** Class added to the root beside iw-root (e.g. "iw-neuron-text"). */
  className: string;
  ariaLabel?: string;
  /** Extra tooltip lines for token i, after its value. */
  tooltipLines?: (i: number) => string[];
  /** Called when the token under the mouse in the text changes (-1: none). */
  onHoverToken?: (i: number) => void;
  /** Extra decoration of token span i, applied with its colours (classes only). */
  decorate?: (span: HTMLElement, i: number) => void;
  /** Called after every update of the selection (layer / neuron, from Python or the browser). */
  onUpdate?: () => void;
  /** Called when the text trait changes (after the strip holds the new text). */
  onText?: () => void;
  /** File name stem of the picture the toolbar downloads (default: from className). */
  name?: string;
  /** Redraw canvases after presentation mode or the theme changed (toolbar.ts). */
  redraw?: () => void;
}

const LOADING_DELAY_MS = 150;

export class NeuronView extends WidgetView<NeuronTextState> {
  private readonly opts: NeuronViewOptions;
  private readonly controls = new NeuronControls(this.titleRow);
  private readonly status = new StatusLine();
  readonly textEl = el("div", "iw-text");
  readonly strip: TokenStrip;
  private readonly legend: Legend;
  private readonly columns: ColumnStore;
  /** Token indices the model read as unknown (the `unknown` trait). */
  private unknown = new Set<number>();
  layer = "";
  neuron = 0;
  private shown: Column | null = null;
  /** The colour scale of the shown column and its legend. */
  readonly colours: NeuronColours;
  private hovered: HTMLElement | null = null;
  /** The hovered token's ring, above the text (a class on the token would repaint all of it). */
  private readonly ring = new HoverRing(this.textEl);

  constructor(model: AnyModel<NeuronTextState>, host: HTMLElement, opts: NeuronViewOptions) {
    super(model, opts.className, opts.ariaLabel ?? translator(model)("neuron_text.aria"));
    this.opts = opts;
    this.tr = translator(model);
    this.controls.setLanguage(this.tr);
    this.controls.showScale();
    const { root } = this;

    const { title, row: controls } = this.controls;
    this.legend = new Legend(controls, undefined, this.tr);
    this.legend.setMissing(false);
    this.colours = new NeuronColours(model, this.controls, this.legend, this.root, this.tr);

    const wrap = el("div", "iw-text-wrap");
    wrap.append(this.textEl, this.status.el, this.ring.el);
    root.append(title, controls, wrap);
    this.mount(host, {
      parent: controls, beside: this.legend.el, redraw: () => { this.repaint(); opts.redraw?.(); },
      name: opts.name ?? opts.className.replace(/^iw-/, "").replace(/-/g, "_"),
    });
    this.strip = new TokenStrip(this.textEl);
    this.columns = new ColumnStore(model, () => this.strip.tokenCount);

    this.bindDom();
    this.bindModel();
    this.readUnknown();
    this.readText();
    this.readLayers();
    this.readSelection();
    this.update();
  }

  // ---- wiring

  private bindDom(): void {
    const { select, input, prev, next } = this.controls;
    this.listen(select, "change", () => this.choose(select.value, this.neuron));
    const { scaleSelect } = this.controls;
    this.listen(scaleSelect, "change", () => {
      this.model.set("scale", readMode(scaleSelect.value));
      this.model.save_changes();
      this.repaint();
    });
    this.listen(input, "change", () => this.applyNeuronBox());
    // Enter applies the box at once (a notebook would otherwise take the key for itself).
    this.listen<KeyboardEvent>(input, "keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      e.stopPropagation();
      this.applyNeuronBox();
    });
    this.listen(prev, "click", () => this.choose(this.layer, this.neuron - 1));
    this.listen(next, "click", () => this.choose(this.layer, this.neuron + 1));
    this.listen<KeyboardEvent>(this.root, "keydown", (e) => this.onKey(e));
    this.listen<MouseEvent>(this.textEl, "mouseover", (e) => this.onHover(e));
    this.listen<MouseEvent>(this.textEl, "mousemove", (e) => this.onHover(e));
    this.listen(this.textEl, "mouseleave", () => this.unhover());
    this.listen(this.textEl, "scroll", () => this.unhover());
  }

  private bindModel(): void {
    const on = this.on.bind(this);
    on("change:text", () => { this.readText(); this.schedule(); });
    on("change:offsets", () => { this.readText(); this.schedule(); });
    on("change:layers", () => { this.readLayers(); this.schedule(); });
    on("change:export_layers", () => { this.readLayers(); this.schedule(); });
    on("change:unknown", () => { this.readUnknown(); this.repaint(); });
    on("change:layer", () => { this.readSelection(); this.schedule(); });
    on("change:neuron", () => { this.readSelection(); this.schedule(); });
    on("change:title", () => this.updateTitle());
    on("change:scale", () => this.repaint());
    on("change:vmax", () => this.repaint());
    on("change:column", () => { this.takeColumnTrait(); this.schedule(); });
  }

  /** Go to the unit typed in the box; a number past either end goes to that end and the
   *  box says which units exist; anything else puts the current unit back. */
  private applyNeuronBox(): void {
    const { input } = this.controls;
    const n = Number(input.value);
    if (input.value.trim() === "" || !Number.isFinite(n)) {
      input.value = String(this.neuron);
      return;
    }
    const k = Math.round(n);
    const units = this.unitsOf(this.layer);
    this.controls.showRange(k < 0 || k >= units ? k : null, units, this.layer);
    this.choose(this.layer, k);
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target;
    // Form fields handle arrows themselves.
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    let handled = true;
    if (e.key === "ArrowRight") this.choose(this.layer, this.neuron + 1);
    else if (e.key === "ArrowLeft") this.choose(this.layer, this.neuron - 1);
    else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      // Up/Down step through the layers, skipping those an exported page does not hold.
      const to = this.controls.stepLayer(this.layer, e.key === "ArrowUp" ? -1 : 1);
      if (to) this.choose(to, this.neuron);
    } else handled = false;
    if (handled) { e.preventDefault(); e.stopPropagation(); }
  }

  // ---- reading traits

  private readText(): void {
    const text = String(this.model.get("text") ?? "");
    const raw = this.model.get("offsets") as Encoded | null | undefined;
    let offsets: ArrayLike<number> = [];
    if (raw) {
      try { offsets = decode(raw).data; } catch (err) { this.showError(`offsets: ${(err as Error).message}`, false); }
    }
    this.unhover();
    this.strip.setText(text, offsets);
    this.columns.clear(); // columns belong to the old tokens
    this.shown = null;
    this.takeColumnTrait();
    this.opts.onText?.();
  }

  private readLayers(): void {
    // `export_layers` exists only in an exported page's state (undefined in a notebook).
    this.controls.setLayers(this.model.get("layers"), this.model.get("export_layers"));
  }

  get layers(): LayerInfo[] {
    return this.controls.layers;
  }

  private readUnknown(): void {
    const raw = this.model.get("unknown");
    this.unknown = new Set(Array.isArray(raw) ? raw.map(Number).filter(Number.isInteger) : []);
  }

  /** Whether the model read token i as unknown (not in its vocabulary). */
  isUnknown(i: number): boolean {
    return this.unknown.has(i);
  }

  private readSelection(): void {
    this.layer = String(this.model.get("layer") ?? "");
    this.neuron = Number(this.model.get("neuron")) | 0;
  }

  unitsOf(layer: string): number {
    return this.controls.unitsOf(layer);
  }

  /** Cache the `column` trait. Quiet when it does not fit the tokens: Python may be halfway
   *  through replacing text and column; a request reply that does not fit is an error. */
  private takeColumnTrait(): void {
    try {
      const col = this.columns.decode(this.model.get("column"));
      if (col) this.columns.remember(col);
    } catch (err) {
      console.warn("interpwidgets: column trait ignored:", (err as Error).message);
    }
  }

  // ---- selection

  /** A change made in the browser: clamp, then sync to Python. */
  choose(layer: string, neuron: number): void {
    const to = this.controls.choose(this.model, [this.layer, this.neuron], layer, neuron);
    if (!to) { this.syncControls(); return; }
    [this.layer, this.neuron] = to;
    this.schedule();
  }

  /** Coalesce several trait changes (layer and neuron set together) into one update. */
  protected render(): void {
    this.update();
  }

  private syncControls(): void {
    this.controls.sync(this.layer, this.neuron);
    this.controls.syncScale(this.colours.mode, this.controls.rangeOf(this.layer), this.colours.fixed !== null);
    this.updateTitle();
  }

  private updateTitle(): void {
    this.controls.setTitle(String(this.model.get("title") ?? ""), this.layer, this.neuron);
  }

  private update(): void {
    if (this.destroyed) return;
    this.syncControls();
    this.opts.onUpdate?.();
    const { layer, neuron } = this;
    if (!layer) return;
    const col = this.columns.get(layer, neuron);
    if (col) {
      if (col !== this.shown) this.paintColumn(col);
      else this.status.hide();
      return;
    }
    this.load(layer, neuron);
  }

  private isSelected(layer: string, neuron: number): boolean {
    return !this.destroyed && this.layer === layer && this.neuron === neuron;
  }

  private load(layer: string, neuron: number): void {
    this.root.classList.add("iw-loading", "iw-stale");
    this.status.later(`loading neuron ${neuron}\u2026`, LOADING_DELAY_MS, () => this.isSelected(layer, neuron));
    this.columns.fetch(layer, neuron).then(
      (col) => { if (this.isSelected(layer, neuron)) this.paintColumn(col); },
      (err: Error) => { if (this.isSelected(layer, neuron)) this.showError(err.message || String(err), true); },
    );
  }

  // ---- drawing

  private paintColumn(col: Column): void {
    this.shown = col;
    this.status.hide();
    this.root.classList.remove("iw-loading", "iw-stale");
    this.syncControls(); // the scale menu follows the layer
    const shade = this.colours.shadeFor(col);
    const { ink } = this.colours;
    const { values } = col;
    const { unknown } = this;
    const { decorate } = this.opts;
    const colorer: Colorer = (span, i) => {
      decorate?.(span, i);
      span.classList.toggle("iw-unknown", unknown.has(i));
      const v = values[i];
      // one ink per theme on every shade: a word never changes colour half-way
      span.style.backgroundColor = shade(v);
      span.style.color = ink;
      span.classList.toggle("iw-missing", Number.isNaN(v));
    };
    const { layer, neuron } = col;
    this.strip.paint(colorer).then((ok) => {
      if (!ok || !this.isSelected(layer, neuron)) return;
      this.root.dataset.renderedLayer = layer;
      this.root.dataset.renderedNeuron = String(neuron);
    });
    if (this.hovered) this.showTooltipFor(this.hovered);
    this.prefetch(layer, neuron);
  }

  /** Paint the shown column again (e.g. after the decoration changed). */
  repaint(): void {
    if (this.shown) this.paintColumn(this.shown);
  }

  /** The value of token i for the shown column (NaN when none is shown). */
  shownValue(i: number): number {
    return this.shown ? this.shown.values[i] : NaN;
  }

  private prefetch(layer: string, neuron: number): void {
    const units = this.unitsOf(layer);
    for (const n of [neuron + 1, neuron - 1]) {
      if (n < 0 || n >= units || this.columns.has(layer, n)) continue;
      this.columns.fetch(layer, n).catch(() => undefined); // quiet: errors show if it is ever selected
    }
  }

  private showError(message: string, retry: boolean): void {
    this.root.classList.remove("iw-loading");
    this.status.error(message, retry ? () => this.update() : undefined);
  }

  // ---- hover

  private onHover(e: MouseEvent): void {
    const span = this.strip.spanAt(e.target);
    if (!span) { this.unhover(); return; }
    if (span !== this.hovered) {
      this.hovered?.classList.remove("iw-hover");
      span.classList.add("iw-hover");
      this.hovered = span;
      this.ring.show(span);
      this.opts.onHoverToken?.(Number(span.dataset.i));
    }
    this.showTooltipFor(span, e.clientX, e.clientY);
  }

  private lastXY: [number, number] = [0, 0];
  /** The widget's words in its language (the `_strings` trait). */
  private readonly tr: Tr;

  /** The tooltip of a token, above the line the mouse is on (never over the token itself). */
  private showTooltipFor(span: HTMLElement, x = this.lastXY[0], y = this.lastXY[1]): void {
    this.lastXY = [x, y];
    const i = Number(span.dataset.i);
    const lines = tokenTooltip(this.strip, i, this.shown?.values ?? null, this.unknown.has(i), this.tr);
    lines.push(...(this.opts.tooltipLines?.(i) ?? []));
    // never over the layer menu and neuron stepper above the text, when it fits below
    this.tooltip.showFor(lines, lineRect(span, y), x, [this.controls.row.getBoundingClientRect()]);
  }

  private unhover(): void {
    const was = this.hovered;
    this.hovered?.classList.remove("iw-hover");
    this.hovered = null;
    this.ring.hide();
    this.tooltip?.hide();
    if (was) this.opts.onHoverToken?.(-1);
  }

  destroy(): void {
    this.status.cancel();
    super.destroy();
    this.strip.destroy();
  }
}
