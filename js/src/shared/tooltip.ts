// One floating tooltip per widget view: position fixed, text only (textContent).

import { english, type Tr } from "./i18n";

/** Whitespace made visible: newline, tab and space as \n, \t and ␣ (carriage return as \r). */
export function visibleWhitespace(s: string): string {
  return s.replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/ /g, "\u2423");
}

/** The first tooltip lines for a token: index, code-point range, quoted text (`tr`: the
 *  widget's language, English by default). */
export function tokenLines(i: number, start: number, end: number, text: string, tr: Tr = english): string[] {
  return [tr("tooltip.token", { i, start, end }), `"${visibleWhitespace(text)}"`];
}

/** A rectangle in viewport coordinates (a DOMRect will do). */
export interface AnchorRect { left: number; top: number; right: number; bottom: number }

const MARGIN = 4;

export class Tooltip {
  readonly el: HTMLDivElement;
  /** The lines shown and their box's size: the same lines again (a mouse move within one
   *  token) are only moved, not rebuilt and measured. */
  private shown = "";
  private size: [number, number] = [0, 0];

  constructor(parent: HTMLElement) {
    this.el = document.createElement("div");
    this.el.className = "iw-tooltip";
    this.el.setAttribute("role", "tooltip");
    this.el.hidden = true;
    parent.appendChild(this.el);
  }

  /** Show one line per entry near the viewport point (x, y), kept inside the window. */
  show(lines: string[], x: number, y: number): void {
    const [w, h, vw, vh] = this.fill(lines);
    let left = x + 14;
    let top = y + 18;
    if (left + w > vw - MARGIN) left = Math.max(MARGIN, x - w - 10);
    if (top + h > vh - MARGIN) top = Math.max(MARGIN, y - h - 10);
    this.place(left, top);
  }

  /** Show the lines just above `anchor` (a viewport rectangle, e.g. a token's line box),
   *  so the text it points at stays readable; below it when there is no room above or when
   *  above would cover one of `avoid` (e.g. the controls over the text: the neuron stepper
   *  stays clickable), and always inside the window. `x` (e.g. the mouse) picks the
   *  horizontal position. */
  showFor(lines: string[], anchor: AnchorRect, x = anchor.left, avoid: AnchorRect[] = []): void {
    const [w, h, vw, vh] = this.fill(lines);
    const gap = 6;
    const left = Math.max(MARGIN, Math.min(Math.min(x, anchor.right) - 12, vw - MARGIN - w));
    const clear = (t: number): boolean =>
      !avoid.some((r) => r.right > r.left && r.bottom > r.top && left < r.right && left + w > r.left && t < r.bottom && t + h > r.top);
    const above = anchor.top - gap - h;
    const below = anchor.bottom + gap;
    const fitsAbove = above >= MARGIN;
    const fitsBelow = below + h <= vh - MARGIN;
    let top: number;
    if (fitsAbove && clear(above)) top = above;
    else if (fitsBelow && clear(below)) top = below;
    else if (fitsAbove) top = above;
    else if (fitsBelow) top = below;
    else top = anchor.top - MARGIN > vh - anchor.bottom ? MARGIN : vh - MARGIN - h; // the roomier side
    top = Math.max(MARGIN, Math.min(top, vh - MARGIN - h));
    this.place(left, top);
  }

  /** Fill in the lines and measure: [width, height, viewport width, viewport height]. */
  private fill(lines: string[]): [number, number, number, number] {
    const el = this.el;
    const vw = document.documentElement.clientWidth || window.innerWidth;
    const vh = document.documentElement.clientHeight || window.innerHeight;
    const key = lines.join("\n");
    if (!el.hidden && key === this.shown) return [this.size[0], this.size[1], vw, vh];
    el.replaceChildren(
      ...lines.map((line) => {
        const div = document.createElement("div");
        div.className = "iw-tooltip-line";
        div.textContent = line;
        return div;
      }),
    );
    el.hidden = false;
    el.style.left = "0px";
    el.style.top = "0px";
    this.shown = key;
    this.size = [el.offsetWidth, el.offsetHeight];
    return [this.size[0], this.size[1], vw, vh];
  }

  private place(left: number, top: number): void {
    const el = this.el;
    el.style.left = `${left}px`;
    el.style.top = `${top}px`;
    // A transformed or contained ancestor (as in some notebook front-ends) makes "fixed"
    // relative to itself: measure where the box landed and correct by the difference.
    const r = el.getBoundingClientRect();
    if (Math.abs(r.left - left) > 0.5 || Math.abs(r.top - top) > 0.5) {
      el.style.left = `${2 * left - r.left}px`;
      el.style.top = `${2 * top - r.top}px`;
    }
  }

  hide(): void {
    this.el.hidden = true;
    this.shown = "";
  }

  destroy(): void {
    this.el.remove();
  }
}
