// The model's top-k next-token predictions at each position, as chips shaded by probability
// (Karpathy et al. 2016, the predictions under each character).

import type { RGB } from "../shared/colors";
import { over, readableText, themeBackground } from "../shared/theme";
import { decode, type Encoded } from "../shared/codec";
import { el } from "../shared/dom";
import { english, type Tr } from "../shared/i18n";
import { visibleWhitespace } from "../shared/tooltip";

export interface Predictions { vocab: string[]; index: Int32Array; probs: Float32Array; n: number; k: number }
export interface Guess { text: string; p: number }

/** Decode the `predictions` trait ({} when the model made none). Throws on a malformed one. */
export function decodePredictions(raw: unknown): Predictions | null {
  if (!raw || typeof raw !== "object" || !("index" in raw)) return null;
  const r = raw as { vocab?: unknown; index: Encoded; probs: Encoded };
  const vocab = Array.isArray(r.vocab) ? r.vocab.map(String) : [];
  const index = decode(r.index);
  const probs = decode(r.probs);
  const [n, k] = index.shape;
  if (index.shape.length !== 2 || probs.shape.join() !== index.shape.join()) {
    throw new Error(`predictions: expected index and probs of one shape [n_tokens, k], got [${index.shape}] and [${probs.shape}]`);
  }
  const idx = index.data instanceof Int32Array ? index.data : Int32Array.from(index.data);
  const p = probs.data instanceof Float32Array ? probs.data : Float32Array.from(probs.data);
  return { vocab, index: idx, probs: p, n, k };
}

/** The guesses after token i, most likely first. */
export function guessesAt(pred: Predictions, i: number): Guess[] {
  if (i < 0 || i >= pred.n) return [];
  const out: Guess[] = [];
  for (let j = 0; j < pred.k; j++) {
    const v = pred.index[i * pred.k + j];
    out.push({ text: pred.vocab[v] ?? "?", p: pred.probs[i * pred.k + j] });
  }
  return out;
}

/** A predicted token as a chip shows it: newline ⏎, tab ⇥, space ␣, other control characters
 *  as \r / U+XXXX escapes (visibleWhitespace), the rest as it is. */
export function chipText(s: string): string {
  if (s === "") return "\u2205"; // ∅: an empty token (end of text)
  const ws = s.replace(/\n/g, "\u23CE").replace(/\t/g, "\u21E5").replace(/ /g, "\u2423");
  return visibleWhitespace(ws).replace(/[\u0000-\u001f\u007f]/g, (c) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
}

/** A probability as a short percentage: "61%", "4.2%", "<0.1%", "100%". */
export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return "?";
  const pc = p * 100;
  if (pc >= 9.95) return `${Math.round(pc)}%`;
  if (pc >= 0.095) return `${pc.toFixed(1)}%`;
  return pc > 0 ? "<0.1%" : "0%";
}

/** The tooltip line: "next: e 61% · a 12% · …". */
export function predictionLine(guesses: Guess[], tr: Tr = english): string {
  return tr("explorer.next_line", { guesses: guesses.map((g) => `${chipText(g.text)} ${formatPercent(g.p)}`).join(" \u00b7 ") });
}

/** Chip background: one green hue, opacity growing with the probability; the text colour
 *  that reads best on it over the page's background `page` (white, or a dark theme's). */
export function chipColors(p: number, page: RGB = [255, 255, 255]): { background: string; color: string } {
  const a = 0.06 + 0.94 * Math.max(0, Math.min(1, p));
  return { background: `rgba(26, 127, 55, ${a.toFixed(3)})`, color: readableText(over([26, 127, 55, a], page)) };
}

/** The strip under the text: the guesses after the hovered (or last clicked) token. */
export class PredictionStrip {
  readonly el = el("div", "iw-predictions");
  private readonly label = el("span", "iw-pred-label");
  private readonly chips = el("span", "iw-pred-chips");

  /** `tr`: the widget's words in its language. */
  constructor(parent: HTMLElement, private readonly tr: Tr = english) {
    this.el.append(el("span", "iw-field-name", tr("explorer.next")), this.label, this.chips);
    parent.appendChild(this.el);
  }

  hint(text: string): void {
    this.label.textContent = text;
    this.chips.replaceChildren();
    this.el.classList.add("iw-chrome"); // a hint only: figure pictures leave it out
    delete this.el.dataset.token;
  }

  /** Show the guesses after token `i` whose text is `token`; `actual` is the text that
   *  really comes next (outlined when it is among the guesses), null at the end. */
  show(i: number, token: string, guesses: Guess[], actual: string | null): void {
    this.el.classList.remove("iw-chrome");
    this.el.dataset.token = String(i);
    this.label.textContent = this.tr("explorer.after", { token: chipText(token) });
    this.label.title = this.tr("explorer.token", { i });
    const page = themeBackground(this.el);
    this.chips.replaceChildren(...guesses.map((g) => {
      const chip = el("span", "iw-pred");
      const { background, color } = chipColors(g.p, page);
      chip.style.backgroundColor = background;
      chip.style.color = color;
      if (actual !== null && g.text === actual) {
        chip.classList.add("iw-pred-actual");
        chip.title = this.tr("explorer.actual_next");
      }
      chip.append(el("span", "iw-pred-char", chipText(g.text)), el("span", "iw-pred-p", formatPercent(g.p)));
      return chip;
    }));
  }
}
