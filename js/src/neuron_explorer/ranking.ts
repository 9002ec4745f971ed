// The ranked neuron list: a feature chooser, where the ranking came from, and a table of
// (layer, neuron, score, sign) rows; clicking a row selects that neuron.

import { el } from "../shared/dom";
import { english, type Tr } from "../shared/i18n";

export interface RankRow { layer: string; neuron: number; score: number; sign: number }
export interface Ranking { source: string; rows: RankRow[]; note?: string }

/** A ranking from a trait value or a reply ({} or junk gives null). */
export function readRanking(raw: unknown): Ranking | null {
  if (!raw || typeof raw !== "object") return null;
  const r = raw as { source?: unknown; rows?: unknown; note?: unknown };
  if (!Array.isArray(r.rows) && r.source === undefined) return null;
  const rows: RankRow[] = [];
  for (const x of Array.isArray(r.rows) ? r.rows : []) {
    if (!x || typeof x !== "object") continue;
    const row = x as Record<string, unknown>;
    const neuron = Number(row.neuron);
    if (!Number.isInteger(neuron)) continue;
    rows.push({ layer: String(row.layer ?? ""), neuron, score: Number(row.score), sign: Number(row.sign) < 0 ? -1 : 1 });
  }
  const note = r.note === undefined || r.note === null || r.note === "" ? undefined : String(r.note);
  return { source: String(r.source ?? ""), rows, note };
}

export function formatScore(s: number): string {
  return Number.isFinite(s) ? s.toFixed(3) : "\u2013";
}

export interface RankingHandlers {
  onFeature: (name: string) => void;
  onRow: (layer: string, neuron: number) => void;
  onClearSpans: () => void;
}

export class RankingPanel {
  readonly el = el("div", "iw-ranking");
  readonly select = el("select", "iw-feature");
  private readonly source = el("div", "iw-rank-source");
  private readonly message = el("div", "iw-rank-message");
  private readonly body = el("tbody");
  private readonly table = el("table", "iw-rank-table");
  private readonly scroll = el("div", "iw-rank-scroll");
  private readonly spansLine = el("div", "iw-spans");
  private readonly spansText = el("span", "iw-spans-text");
  readonly clear = el("button", "iw-clear-spans");
  private rows: RankRow[] = [];

  /** `tr`: the widget's words in its language. */
  constructor(parent: HTMLElement, handlers: RankingHandlers, private readonly tr: Tr = english) {
    this.clear.textContent = tr("explorer.clear_spans");
    const head = el("div", "iw-rank-head");
    head.append(el("span", "iw-field-name", tr("explorer.find_neurons")));
    this.select.setAttribute("aria-label", tr("explorer.rank_by_feature"));
    this.select.addEventListener("change", () => handlers.onFeature(this.select.value));
    this.clear.type = "button";
    this.clear.title = tr("explorer.clear_spans_title");
    this.clear.addEventListener("click", () => handlers.onClearSpans());
    this.spansLine.append(this.spansText, this.clear);
    const thead = el("thead");
    const hr = el("tr");
    for (const [name, cls] of [["explorer.col_layer", "iw-c-layer"], ["explorer.col_neuron", "iw-c-neuron"], ["explorer.col_score", "iw-c-score"], ["explorer.col_sign", "iw-c-sign"]]) {
      hr.append(el("th", cls, tr(name)));
    }
    thead.append(hr);
    this.table.append(thead, this.body);
    const { scroll } = this;
    scroll.append(this.table);
    this.message.setAttribute("role", "status");
    this.body.addEventListener("click", (e) => {
      const tr = (e.target as Element | null)?.closest?.("tr.iw-rank-row") as HTMLElement | null;
      if (!tr) return;
      handlers.onRow(tr.dataset.layer ?? "", Number(tr.dataset.neuron));
    });
    this.el.append(head, this.select, this.spansLine, this.source, this.message, scroll);
    parent.appendChild(this.el);
    this.setSpans(0);
    this.show(null);
  }

  setFeatures(names: string[], current: string): void {
    const opts = [["", this.tr("explorer.no_feature")], ...names.map((n) => [n, n])].map(([value, label]) => {
      const o = el("option", "", label);
      o.value = value;
      return o;
    });
    this.select.replaceChildren(...opts);
    this.select.disabled = names.length === 0;
    this.setFeature(current);
  }

  setFeature(name: string): void {
    this.select.value = [...this.select.options].some((o) => o.value === name) ? name : "";
  }

  setSpans(count: number): void {
    this.spansText.textContent = count
      ? this.tr(count > 1 ? "explorer.spans_brushed" : "explorer.span_brushed", { n: count })
      : this.tr("explorer.spans_hint");
    this.spansLine.classList.toggle("iw-spans-empty", count === 0);
    this.clear.hidden = count === 0;
  }

  /** Render a ranking (null: nothing chosen yet). */
  show(r: Ranking | null): void {
    this.el.classList.toggle("iw-chrome", !r); // nothing ranked yet: only controls (figure pictures leave it out)
    this.setMessage("");
    this.rows = r ? r.rows : [];
    this.source.textContent = r ? r.source : "";
    this.source.hidden = !r || !r.source;
    this.scroll.hidden = this.rows.length === 0;
    const best = Math.max(1e-9, ...this.rows.map((x) => (Number.isFinite(x.score) ? Math.abs(x.score) : 0)));
    this.body.replaceChildren(...this.rows.map((x) => {
      const tr = el("tr", "iw-rank-row");
      tr.dataset.layer = x.layer;
      tr.dataset.neuron = String(x.neuron);
      tr.title = this.tr("explorer.select_row", { layer: x.layer, neuron: x.neuron });
      const score = el("td", "iw-c-score");
      const bar = el("span", "iw-score-bar");
      bar.style.width = `${Math.max(0, Math.min(100, (Math.abs(x.score) / best) * 100)).toFixed(1)}%`;
      score.append(bar, el("span", "iw-score-num", formatScore(x.score)));
      const sign = el("td", `iw-c-sign ${x.sign < 0 ? "iw-neg" : "iw-pos"}`, x.sign < 0 ? "\u2212" : "+");
      tr.append(el("td", "iw-c-layer", x.layer), el("td", "iw-c-neuron", String(x.neuron)), score, sign);
      return tr;
    }));
    if (r?.note) this.setMessage(r.note, "iw-rank-note");
    else if (!r) this.setMessage(this.tr("explorer.rank_hint"), "iw-rank-hint");
    else if (!this.rows.length) this.setMessage(this.tr("explorer.no_rows"), "iw-rank-hint");
  }

  /** Mark the rows of the selected neuron. */
  highlight(layer: string, neuron: number): void {
    for (const tr of this.body.children as HTMLCollectionOf<HTMLElement>) {
      tr.classList.toggle("iw-selected", tr.dataset.layer === layer && tr.dataset.neuron === String(neuron));
    }
  }

  /** A message in the panel (loading, error, note); `retry` adds a button. Empty hides it. */
  setMessage(text: string, kind = "", retry?: () => void, detail = ""): void {
    this.message.className = `iw-rank-message ${kind}`;
    this.message.title = detail;
    this.message.replaceChildren();
    this.message.hidden = !text;
    if (!text) return;
    this.message.append(el("span", "iw-status-text", text));
    if (retry) {
      const b = el("button", "iw-retry", this.tr("status.retry"));
      b.type = "button";
      b.addEventListener("click", retry);
      this.message.append(b);
    }
  }

  /** Show a loading state: the old rows dimmed. */
  setLoading(loading: boolean): void {
    this.el.classList.toggle("iw-stale", loading);
  }
}
