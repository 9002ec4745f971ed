// Taking a widget's picture (the toolbar's PNG / SVG): "figure" mode shows the data, its
// legend and labels only — the controls are hidden and the widget lays itself out without
// them — and draws canvases as vectors; "screenshot" mode is the widget as it is on screen.
// FIGURE_CHROME below is the one place that says what a control is.

import { recordCanvases } from "./snapshot_canvas";
import { SNAPSHOT_EXCLUDE, type Snapshot, snapshotSvg } from "./snapshot";

export type PictureMode = "figure" | "screenshot";
export const PICTURE_MODES: readonly PictureMode[] = ["figure", "screenshot"];

/** What a figure leaves out: anything a widget marks `iw-chrome`, tab strips, buttons (but a
 *  switched-on `iw-legend-key`, such as a head's colour swatch), menus and boxes (with the
 *  field name beside them), hints (a class ending in `-hint`). */
export const FIGURE_CHROME = [
  ".iw-chrome",
  "[role='tablist']",
  "button:not(.iw-legend-key[aria-pressed='true'])",
  "[class*='-hint']",
  "select",
  "input",
  "textarea",
  ".iw-field:has(button, select, input, textarea)",
].join(", ");

/** Shown only in a figure (hidden on screen): what the controls said, such as the unit an
 *  untitled NeuronDashboard shows. */
export const FIGURE_ONLY = ".iw-figure-only";

/** Reveal `root`'s figure-only parts (hidden by the `hidden` attribute) until the returned
 *  function is called: an inline display, so a redraw that hides them again does not. */
export function revealFigureOnly(root: HTMLElement): () => void {
  const shown = Array.from(root.querySelectorAll<HTMLElement>(FIGURE_ONLY)).filter((e) => e.hidden);
  for (const e of shown) {
    e.hidden = false;
    const display = getComputedStyle(e).display;
    e.hidden = true;
    e.style.setProperty("display", display === "none" ? "block" : display, "important");
  }
  return () => { for (const e of shown) e.style.removeProperty("display"); };
}

/** Hide `root`'s chrome (and the rows it leaves empty) until the returned function is called
 *  (its `count`: how many elements it hid). */
export function hideChrome(root: HTMLElement, selector = FIGURE_CHROME): (() => void) & { count: number } {
  const hidden: [HTMLElement, string, string][] = [];
  const hide = (e: HTMLElement) => {
    hidden.push([e, e.style.getPropertyValue("display"), e.style.getPropertyPriority("display")]);
    e.style.setProperty("display", "none", "important");
  };
  const shown = (e: Element) => e instanceof HTMLElement && !e.hidden && getComputedStyle(e).display !== "none";
  const parents = new Set<HTMLElement>();
  for (const e of Array.from(root.querySelectorAll<HTMLElement>(selector))) {
    if (!shown(e)) continue;
    hide(e);
    if (e.parentElement) parents.add(e.parentElement);
  }
  // a row left with nothing to show goes too (its padding and gap would stay otherwise)
  while (parents.size) {
    const [p] = parents;
    parents.delete(p);
    if (p === root || !root.contains(p) || !shown(p)) continue;
    const kids = Array.from(p.children).filter((c) => shown(c) && !c.matches(SNAPSHOT_EXCLUDE));
    const text = Array.from(p.childNodes).some((n) => n.nodeType === 3 && /\S/.test(n.textContent ?? ""));
    if (kids.length || text || p.matches("canvas, svg")) continue;
    hide(p);
    if (p.parentElement) parents.add(p.parentElement);
  }
  const restore = () => {
    for (const [e, v, prio] of hidden.reverse()) {
      if (v) e.style.setProperty("display", v, prio);
      else e.style.removeProperty("display");
    }
  };
  return Object.assign(restore, { count: hidden.length });
}

/** Two animation frames (a redraw the widget scheduled has happened), or 200 ms where the
 *  page does not animate (a background tab). */
function frames(): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => { if (!done) { done = true; resolve(); } };
    setTimeout(finish, 200);
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => requestAnimationFrame(finish));
  });
}

export interface PictureOptions {
  mode: PictureMode;
  /** The widget's redraw of its canvases (the toolbar's `redraw`); in figure mode it runs
   *  while the canvases record, so their drawing becomes SVG. */
  redraw?: () => void;
}

/** The picture of `root` in `mode`, as an SVG snapshot (svgToPng makes the PNG of it). */
export async function takePicture(root: HTMLElement, opts: PictureOptions): Promise<Snapshot> {
  if (opts.mode === "screenshot") return snapshotSvg(root);
  root.classList.add("iw-figure");
  const restores = [revealFigureOnly(root), hideChrome(root)];
  let rec = recordCanvases([]);
  try {
    // The redraw may build parts anew (a panel, a strip): hide their controls too, and draw
    // once more when that changed the layout (at most twice).
    for (let round = 0; round < 2; round++) {
      rec.stop();
      rec = recordCanvases(Array.from(root.querySelectorAll("canvas")).filter((c) => !c.closest(SNAPSHOT_EXCLUDE)));
      opts.redraw?.();
      await frames();
      const more = hideChrome(root);
      restores.push(more);
      if (!more.count) break;
    }
    return snapshotSvg(root, { vector: true, recordings: rec.recordings });
  } finally {
    rec.stop();
    for (const r of restores.reverse()) r();
    root.classList.remove("iw-figure");
    opts.redraw?.();
  }
}
