// The neuron view shared by NeuronText and NeuronExplorer: title, layer/neuron controls,
// legend, and the original text coloured token by token by one neuron (Karpathy et al.
// 2016). Columns the kernel did not send are fetched on demand. Widgets that build on it
// add their own pieces below the text through the hooks in NeuronViewOptions.

import { decode, type Encoded } from "./codec";
import { MISSING, diverging, rgbString, textColorFor } from "./colors";
import { Legend, formatValue } from "./legend";
import { request } from "./request";
import { TokenStrip, type Colorer } from "./text";
import { Tooltip, tokenLines } from "./tooltip";
import { el } from "./dom";
import type { AnyModel } from "./types";

export interface LayerInfo { name: string; n_units: number }

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
}
interface Column { layer: string; neuron: number; vmax: number; values: Float32Array }
interface RawColumn { layer?: unknown; neuron?: unknown; vmax?: unknown; values?: Encoded }

const CACHE_SIZE = 64;
const LOADING_DELAY_MS = 150;
const MISSING_BG = rgbString(MISSING);

const keyOf = (layer: string, neuron: number) => `${layer}\u0000${neuron}`;

export class NeuronView {
  readonly root = el("div", "iw-root");
  readonly model: AnyModel;
  private readonly opts: NeuronViewOptions;
  private readonly titleMain = el("span", "iw-title-main");
  private readonly caption = el("span", "iw-caption");
  private readonly select = el("select", "iw-layer");
  private readonly input = el("input", "iw-neuron");
  private readonly prev = el("button", "iw-prev", "\u25C0");
  private readonly next = el("button", "iw-next", "\u25B6");
  private readonly of = el("span", "iw-of");
  private readonly status = el("div", "iw-status");
  readonly textEl = el("div", "iw-text");
  readonly strip: TokenStrip;
  private readonly legend: Legend;
  readonly tooltip: Tooltip;
  private readonly cache = new Map<string, Column>(); // insertion order = LRU order
  private readonly inflight = new Map<string, Promise<Column>>();
  layers: LayerInfo[] = [];
  layer = "";
  neuron = 0;
  private shown: Column | null = null;
  private hovered: HTMLElement | null = null;
  private queued = false;
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  private destroyed = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(model: AnyModel, host: HTMLElement, opts: NeuronViewOptions) {
    this.model = model;
    this.opts = opts;
    const { root } = this;
    root.classList.add(opts.className);
    root.tabIndex = 0;
    root.setAttribute("data-lm-suppress-shortcuts", "true"); // keep JupyterLab's cell shortcuts off
    root.setAttribute("aria-label", opts.ariaLabel ?? "Neuron activations over text. Left/Right: neuron, Up/Down: layer.");

    const title = el("div", "iw-title");
    title.append(this.titleMain, this.caption);

    const controls = el("div", "iw-controls");
    const layerLabel = el("label", "iw-field");
    layerLabel.append(el("span", "iw-field-name", "layer"), this.select);
    this.input.type = "number";
    this.input.min = "0";
    this.input.step = "1";
    this.input.setAttribute("aria-label", "neuron");
    this.prev.title = "previous neuron (\u2190)";
    this.next.title = "next neuron (\u2192)";
    for (const b of [this.prev, this.next]) b.type = "button";
    const neuronField = el("span", "iw-field");
    const stepper = el("span", "iw-stepper");
    stepper.append(this.prev, this.input, this.next);
    neuronField.append(el("span", "iw-field-name", "neuron"), stepper, this.of);
    controls.append(layerLabel, neuronField);
    this.legend = new Legend(controls, "activation");

    const wrap = el("div", "iw-text-wrap");
    this.status.setAttribute("role", "status");
    this.status.hidden = true;
    wrap.append(this.textEl, this.status);
    root.append(title, controls, wrap);
    host.appendChild(root);
    this.tooltip = new Tooltip(root);
    this.strip = new TokenStrip(this.textEl);

    this.bindDom();
    this.bindModel();
    this.readText();
    this.readLayers();
    this.readSelection();
    this.update();
  }

  // ---- wiring

  listen<E extends Event>(target: EventTarget, type: string, fn: (e: E) => void): void {
    const h = fn as EventListener;
    target.addEventListener(type, h);
    this.cleanups.push(() => target.removeEventListener(type, h));
  }

  private bindDom(): void {
    this.listen(this.select, "change", () => this.choose(this.select.value, this.neuron));
    this.listen(this.input, "change", () => {
      const n = Number(this.input.value);
      if (this.input.value.trim() === "" || !Number.isFinite(n)) this.input.value = String(this.neuron);
      else this.choose(this.layer, Math.round(n));
    });
    this.listen(this.prev, "click", () => this.choose(this.layer, this.neuron - 1));
    this.listen(this.next, "click", () => this.choose(this.layer, this.neuron + 1));
    this.listen<KeyboardEvent>(this.root, "keydown", (e) => this.onKey(e));
    this.listen<MouseEvent>(this.textEl, "mouseover", (e) => this.onHover(e));
    this.listen<MouseEvent>(this.textEl, "mousemove", (e) => this.onHover(e));
    this.listen(this.textEl, "mouseleave", () => this.unhover());
    this.listen(this.textEl, "scroll", () => this.unhover());
  }

  private bindModel(): void {
    const on = (event: string, fn: () => void) => {
      this.model.on(event, fn);
      this.cleanups.push(() => this.model.off(event, fn));
    };
    on("change:text", () => { this.readText(); this.schedule(); });
    on("change:offsets", () => { this.readText(); this.schedule(); });
    on("change:layers", () => { this.readLayers(); this.schedule(); });
    on("change:layer", () => { this.readSelection(); this.schedule(); });
    on("change:neuron", () => { this.readSelection(); this.schedule(); });
    on("change:title", () => this.updateTitle());
    on("change:column", () => { this.takeColumnTrait(); this.schedule(); });
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target;
    // Form fields handle arrows themselves.
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const li = this.layers.findIndex((l) => l.name === this.layer);
    let handled = true;
    if (e.key === "ArrowRight") this.choose(this.layer, this.neuron + 1);
    else if (e.key === "ArrowLeft") this.choose(this.layer, this.neuron - 1);
    else if (e.key === "ArrowUp" && li > 0) this.choose(this.layers[li - 1].name, this.neuron);
    else if (e.key === "ArrowDown" && li >= 0 && li < this.layers.length - 1) this.choose(this.layers[li + 1].name, this.neuron);
    else handled = e.key === "ArrowUp" || e.key === "ArrowDown";
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
    this.cache.clear(); // columns belong to the old tokens
    this.inflight.clear();
    this.shown = null;
    this.takeColumnTrait();
    this.opts.onText?.();
  }

  private readLayers(): void {
    const raw = this.model.get("layers");
    this.layers = Array.isArray(raw)
      ? raw.map((l: LayerInfo) => ({ name: String(l.name), n_units: Math.max(0, Number(l.n_units) | 0) }))
      : [];
    this.select.replaceChildren(...this.layers.map((l) => {
      const o = el("option", "", l.name);
      o.value = l.name;
      return o;
    }));
    this.select.disabled = this.layers.length < 2;
  }

  private readSelection(): void {
    this.layer = String(this.model.get("layer") ?? "");
    this.neuron = Number(this.model.get("neuron")) | 0;
  }

  unitsOf(layer: string): number {
    return this.layers.find((l) => l.name === layer)?.n_units ?? 0;
  }

  /** Cache the `column` trait. Quiet when it does not fit the tokens: Python may be halfway
   *  through replacing text and column; a request reply that does not fit is an error. */
  private takeColumnTrait(): void {
    try {
      const col = this.decodeColumn(this.model.get("column"));
      if (col) this.remember(col);
    } catch (err) {
      console.warn("interpwidgets: column trait ignored:", (err as Error).message);
    }
  }

  private decodeColumn(raw: RawColumn | null | undefined): Column | null {
    if (!raw || typeof raw !== "object" || !raw.values) return null;
    const data = decode(raw.values).data;
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    const n = this.strip.tokenCount;
    if (values.length !== n) {
      throw new Error(`column: expected ${n} values (one per token), got ${values.length}`);
    }
    return { layer: String(raw.layer), neuron: Number(raw.neuron), vmax: Number(raw.vmax), values };
  }

  private remember(col: Column): void {
    const k = keyOf(col.layer, col.neuron);
    this.cache.delete(k);
    this.cache.set(k, col);
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
  }

  private cached(layer: string, neuron: number): Column | undefined {
    const col = this.cache.get(keyOf(layer, neuron));
    if (col) this.remember(col); // refresh its LRU position
    return col;
  }

  // ---- selection

  /** A change made in the browser: clamp, then sync to Python. */
  choose(layer: string, neuron: number): void {
    if (!this.layers.some((l) => l.name === layer)) layer = this.layer;
    const units = this.unitsOf(layer);
    neuron = Math.max(0, Math.min(units - 1, neuron | 0));
    if (layer === this.layer && neuron === this.neuron) { this.syncControls(); return; }
    if (layer !== this.layer) this.model.set("layer", layer);
    if (neuron !== this.neuron) this.model.set("neuron", neuron);
    this.model.save_changes();
    this.layer = layer;
    this.neuron = neuron;
    this.schedule();
  }

  /** Coalesce several trait changes (layer and neuron set together) into one update. */
  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => { this.queued = false; this.update(); });
  }

  private syncControls(): void {
    const units = this.unitsOf(this.layer);
    if (this.select.value !== this.layer) this.select.value = this.layer;
    this.input.max = String(Math.max(0, units - 1));
    if (this.input.value !== String(this.neuron)) this.input.value = String(this.neuron);
    this.of.textContent = `of ${units}`;
    this.prev.disabled = this.neuron <= 0;
    this.next.disabled = this.neuron >= units - 1;
    this.updateTitle();
  }

  private updateTitle(): void {
    const title = String(this.model.get("title") ?? "");
    this.titleMain.textContent = title;
    this.titleMain.hidden = !title;
    this.caption.textContent = `${this.layer} \u00b7 neuron ${this.neuron}`;
  }

  private update(): void {
    if (this.destroyed) return;
    this.syncControls();
    this.opts.onUpdate?.();
    const { layer, neuron } = this;
    if (!layer) return;
    const col = this.cached(layer, neuron);
    if (col) {
      if (col !== this.shown) this.render(col);
      else this.hideStatus();
      return;
    }
    this.load(layer, neuron);
  }

  private isSelected(layer: string, neuron: number): boolean {
    return !this.destroyed && this.layer === layer && this.neuron === neuron;
  }

  private fetch(layer: string, neuron: number): Promise<Column> {
    const k = keyOf(layer, neuron);
    let p = this.inflight.get(k);
    if (!p) {
      p = request<RawColumn>(this.model, { kind: "column", layer, neuron }).then((raw) => {
        const col = this.decodeColumn(raw);
        if (!col) throw new Error(`the reply for ${layer} neuron ${neuron} holds no column`);
        this.remember(col);
        return col;
      });
      const done = () => { if (this.inflight.get(k) === p) this.inflight.delete(k); };
      p.then(done, done);
      this.inflight.set(k, p);
    }
    return p;
  }

  private load(layer: string, neuron: number): void {
    this.root.classList.add("iw-loading", "iw-stale");
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => {
      if (this.isSelected(layer, neuron)) this.setStatus(`loading neuron ${neuron}\u2026`, "iw-status-loading");
    }, LOADING_DELAY_MS);
    this.fetch(layer, neuron).then(
      (col) => { if (this.isSelected(layer, neuron)) this.render(col); },
      (err: Error) => { if (this.isSelected(layer, neuron)) this.showError(err.message || String(err), true); },
    );
  }

  // ---- drawing

  private render(col: Column): void {
    this.shown = col;
    this.hideStatus();
    this.root.classList.remove("iw-loading", "iw-stale");
    this.legend.setRange(col.vmax);
    const { values, vmax } = col;
    const { decorate } = this.opts;
    const colorer: Colorer = (span, i) => {
      decorate?.(span, i);
      const v = values[i];
      if (Number.isNaN(v)) {
        span.style.backgroundColor = MISSING_BG;
        span.style.color = "#111";
        span.classList.add("iw-missing");
      } else {
        const rgb = diverging(v, vmax);
        span.style.backgroundColor = rgbString(rgb);
        span.style.color = textColorFor(rgb);
        span.classList.remove("iw-missing");
      }
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
    if (this.shown) this.render(this.shown);
  }

  /** The value of token i for the shown column (NaN when none is shown). */
  shownValue(i: number): number {
    return this.shown ? this.shown.values[i] : NaN;
  }

  private prefetch(layer: string, neuron: number): void {
    const units = this.unitsOf(layer);
    for (const n of [neuron + 1, neuron - 1]) {
      if (n < 0 || n >= units || this.cache.has(keyOf(layer, n))) continue;
      this.fetch(layer, n).catch(() => undefined); // quiet: errors show if it is ever selected
    }
  }

  private setStatus(text: string, kind: string): HTMLElement {
    this.status.className = `iw-status ${kind}`;
    const msg = el("span", "iw-status-text", text);
    this.status.replaceChildren(msg);
    this.status.hidden = false;
    return this.status;
  }

  private hideStatus(): void {
    clearTimeout(this.statusTimer);
    this.status.hidden = true;
    this.status.replaceChildren();
  }

  private showError(message: string, retry: boolean): void {
    clearTimeout(this.statusTimer);
    this.root.classList.remove("iw-loading");
    const status = this.setStatus(message, "iw-status-error");
    if (retry) {
      const button = el("button", "iw-retry", "retry");
      button.type = "button";
      button.addEventListener("click", () => { this.hideStatus(); this.update(); });
      status.appendChild(button);
    }
  }

  // ---- hover

  private onHover(e: MouseEvent): void {
    const span = this.strip.spanAt(e.target);
    if (!span) { this.unhover(); return; }
    if (span !== this.hovered) {
      this.hovered?.classList.remove("iw-hover");
      span.classList.add("iw-hover");
      this.hovered = span;
      this.opts.onHoverToken?.(Number(span.dataset.i));
    }
    this.showTooltipFor(span, e.clientX, e.clientY);
  }

  private lastXY: [number, number] = [0, 0];

  private showTooltipFor(span: HTMLElement, x = this.lastXY[0], y = this.lastXY[1]): void {
    this.lastXY = [x, y];
    const i = Number(span.dataset.i);
    const { cp } = this.strip;
    const v = this.shown ? this.shown.values[i] : NaN;
    const value = !this.shown ? "value \u2026 (loading)" : Number.isNaN(v) ? "value missing (NaN)" : `value ${formatValue(v)}`;
    const extra = this.opts.tooltipLines?.(i) ?? [];
    this.tooltip.show([...tokenLines(i, cp[2 * i], cp[2 * i + 1], this.strip.tokenText(i)), value, ...extra], x, y);
  }

  private unhover(): void {
    const was = this.hovered;
    this.hovered?.classList.remove("iw-hover");
    this.hovered = null;
    this.tooltip?.hide();
    if (was) this.opts.onHoverToken?.(-1);
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.statusTimer);
    for (const c of this.cleanups.splice(0)) c();
    this.strip.destroy();
    this.tooltip.destroy();
    this.root.remove();
  }
}
