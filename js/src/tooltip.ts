// One floating tooltip per widget view: position fixed, text only (textContent).

/** Whitespace made visible: newline, tab and space as \n, \t and ␣ (carriage return as \r). */
export function visibleWhitespace(s: string): string {
  return s.replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/ /g, "\u2423");
}

/** The first tooltip lines for a token: index, code-point range, quoted text. */
export function tokenLines(i: number, start: number, end: number, text: string): string[] {
  return [`token ${i} \u00b7 chars ${start}\u2013${end}`, `"${visibleWhitespace(text)}"`];
}

export class Tooltip {
  readonly el: HTMLDivElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement("div");
    this.el.className = "iw-tooltip";
    this.el.setAttribute("role", "tooltip");
    this.el.hidden = true;
    parent.appendChild(this.el);
  }

  /** Show one line per entry near the viewport point (x, y), kept inside the window. */
  show(lines: string[], x: number, y: number): void {
    const el = this.el;
    el.replaceChildren(
      ...lines.map((line) => {
        const div = document.createElement("div");
        div.className = "iw-tooltip-line";
        div.textContent = line;
        return div;
      }),
    );
    el.hidden = false;
    const w = el.offsetWidth;
    const h = el.offsetHeight;
    const vw = window.innerWidth || document.documentElement.clientWidth;
    const vh = window.innerHeight || document.documentElement.clientHeight;
    let left = x + 14;
    let top = y + 18;
    if (left + w > vw - 4) left = Math.max(4, x - w - 10);
    if (top + h > vh - 4) top = Math.max(4, y - h - 10);
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
  }

  destroy(): void {
    this.el.remove();
  }
}
