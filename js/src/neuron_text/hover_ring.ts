// The ring around the hovered token of a long text, drawn in a box of its own above the
// text. A style on the token itself would make the browser paint every line of the text
// again on each hover (4–20 ms at 100,000 characters); this box repaints only itself.
// It looks as the token's own outline did: a ring in the text colour with a hairline of the
// page colour inside it, one per line the token wraps over, clipped to the text's box.

import { el } from "../shared/dom";

export class HoverRing {
  /** A box over the text's visible area (the rings are its children); place it in the
   *  text's positioned parent, after the text. */
  readonly el = el("div", "iw-hover-ring");

  constructor(private readonly text: HTMLElement) {
    // Hidden by visibility, not display: the box keeps its layer, so showing it for the first
    // time does not make the browser paint the whole page again.
    this.el.style.visibility = "hidden";
    this.el.setAttribute("aria-hidden", "true");
  }

  /** Ring `span` (a token inside the text): one box per line fragment it has. */
  show(span: HTMLElement): void {
    const t = this.text;
    const r0 = t.getBoundingClientRect();
    const left = r0.left + t.clientLeft;
    const top = r0.top + t.clientTop;
    const s = this.el.style;
    s.left = `${t.offsetLeft + t.clientLeft}px`;
    s.top = `${t.offsetTop + t.clientTop}px`;
    s.width = `${t.clientWidth}px`;
    s.height = `${t.clientHeight}px`;
    const rects = Array.from(span.getClientRects());
    const boxes = this.el.children;
    while (boxes.length < rects.length) this.el.appendChild(document.createElement("div"));
    rects.forEach((r, k) => {
      const b = boxes[k] as HTMLElement;
      b.style.visibility = "";
      b.style.left = `${r.left - left}px`;
      b.style.top = `${r.top - top}px`;
      b.style.width = `${r.width}px`;
      b.style.height = `${r.height}px`;
    });
    for (let k = rects.length; k < boxes.length; k++) (boxes[k] as HTMLElement).style.visibility = "hidden";
    this.el.style.visibility = "";
  }

  hide(): void {
    this.el.style.visibility = "hidden";
  }

  get shown(): boolean {
    return this.el.style.visibility !== "hidden";
  }
}
