// The rollout view: attention rollout across layers (Abnar & Zuidema 2020) as a heatmap,
// and a token strip above it: pick a query token and every token is shaded by how much the
// rollout attributes to it.

import { displayToken, idOf, maxOf, separatorIndex, type Rollout } from "./attention_data";
import { MatrixPanel, type MatrixSource } from "./attention_matrix";
import { el } from "../shared/dom";
import { formatValue } from "../shared/legend";
import { rgbString, textColorFor } from "../shared/colors";
import { sequential } from "../shared/sequential";
import type { Tooltip } from "../shared/tooltip";

export interface RolloutOptions {
  tooltip: Tooltip;
  tokens: () => readonly string[];
  sep: () => number;
  onToken: (i: number) => void;
}

/** Shading of the strip for query q: each token's share of the row's largest value. */
export function rolloutShares(r: Rollout, q: number): Float32Array {
  const out = new Float32Array(r.n);
  if (q < 0 || q >= r.n) return out;
  const m = maxOf(r.values, q * r.n, r.n);
  for (let j = 0; j < r.n; j++) out[j] = m > 0 ? r.values[q * r.n + j] / m : 0;
  return out;
}

export class RolloutView {
  readonly el = el("div", "iw-attn-rollout");
  private readonly head = el("div", "iw-attn-strip-head");
  private readonly strip = el("div", "iw-attn-strip");
  readonly matrix: MatrixPanel;
  private data: Rollout | null = null;
  /** The matrix shows `data` (its values are read when the rollout view first draws). */
  private sourced = true;
  private query = 0;
  private readonly cleanups: (() => void)[] = [];

  constructor(parent: HTMLElement, private readonly opts: RolloutOptions) {
    this.el.append(this.head, this.strip);
    parent.appendChild(this.el);
    this.matrix = new MatrixPanel(this.el, {
      className: "iw-attn-rollout-matrix",
      tooltip: opts.tooltip,
      tokens: opts.tokens,
      sep: opts.sep,
      caption: "rollout: rows are queries, columns the tokens they draw on through all layers \u00b7 click a row to pick it",
      describe: (i, j, v) => {
        const t = opts.tokens();
        return [`rollout \u00b7 query ${i} \u2192 token ${j}`, `"${displayToken(t[i] ?? "")}" \u2192 "${displayToken(t[j] ?? "")}": ${formatValue(v)}`];
      },
      onClick: (i) => opts.onToken(i),
    });
    const on = <E extends Event>(type: string, fn: (e: E) => void) => {
      this.strip.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => this.strip.removeEventListener(type, fn as EventListener));
    };
    on<MouseEvent>("click", (e) => {
      const i = this.indexOf(e.target);
      if (i >= 0) opts.onToken(i);
    });
    on<MouseEvent>("mousemove", (e) => {
      const j = this.indexOf(e.target);
      if (j < 0 || !this.data) { opts.tooltip.hide(); return; }
      const v = this.data.values[this.query * this.data.n + j];
      const t = opts.tokens();
      opts.tooltip.show([`token ${j} \u00b7 click to make it the query`, `"${displayToken(t[this.query] ?? "")}" draws ${formatValue(v)} from "${displayToken(t[j] ?? "")}"`], e.clientX, e.clientY);
    });
    on("mouseleave", () => opts.tooltip.hide());
  }

  private indexOf(target: EventTarget | null): number {
    const s = (target as HTMLElement | null)?.closest?.("span.iw-attn-tok") as HTMLElement | null;
    return s ? Number(s.dataset.i) : -1;
  }

  setTokens(): void {
    const tokens = this.opts.tokens();
    const sep = separatorIndex(this.opts.sep(), tokens.length);
    this.strip.replaceChildren(...tokens.map((t, i) => {
      const s = el("span", "iw-attn-tok", displayToken(t));
      s.dataset.i = String(i);
      if (i === sep) s.classList.add("iw-attn-sep");
      return s;
    }));
  }

  get vmax(): number { return this.data?.vmax ?? 1; }

  setData(r: Rollout | null): void {
    this.data = r;
    this.sourced = false;
  }

  /** Query token (the `token` trait; -1 → the first token). */
  setQuery(i: number): void {
    this.query = i >= 0 && this.data && i < this.data.n ? i : 0;
    this.matrix.setMark(this.query);
  }

  draw(avail: number): boolean {
    const r = this.data;
    if (!this.sourced) {
      const src: MatrixSource | null = r ? { values: r.values, offset: 0, n: r.n, vmax: r.vmax, key: `rollout:${idOf(r.values)}` } : null;
      this.matrix.setSource(src);
      this.sourced = true;
    }
    if (!r) return false;
    const tokens = this.opts.tokens();
    const q = this.query;
    this.head.replaceChildren(
      el("span", "iw-field-name", "query"),
      el("span", "iw-attn-query", `${q} \u00b7 "${displayToken(tokens[q] ?? "")}"`),
      el("span", "iw-attn-muted", "tokens shaded by the rollout of this query (darkest = most); click a token to choose another query"),
    );
    const shares = rolloutShares(r, q);
    const spans = this.strip.children;
    for (let j = 0; j < spans.length; j++) {
      const s = spans[j] as HTMLElement;
      const rgb = sequential(shares[j], 1);
      s.style.backgroundColor = rgbString(rgb);
      s.style.color = textColorFor(rgb);
      s.classList.toggle("iw-attn-query-tok", j === q);
    }
    return this.matrix.draw(avail);
  }

  destroy(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.matrix.destroy();
    this.el.remove();
  }
}
