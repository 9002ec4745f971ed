// The teaching toolbar every widget carries: "A+" (presentation mode: text ~1.5× for a
// projector, the synced `presentation` trait), "Figure" / "Screenshot" (what the pictures
// show: the data, legend and labels, canvases as vectors; or the widget as on screen, see
// picture.ts) and "PNG" / "SVG" (download the picture, see snapshot.ts). It also redraws a widget's canvases when presentation mode or the
// host's light/dark theme changes. One line attaches it:
//
//   this.cleanups.push(attachToolbar({ model, root, name: "probe_chart", parent: controlsRow, redraw: () => this.draw() }));

import { el } from "./dom";
import { translator } from "./i18n";
import { type PictureMode, takePicture } from "./picture";
import { download, pngScale, snapshotFileName, svgToPng } from "./snapshot";
import { isDark, watchTheme, whenAttached } from "./theme";
import type { AnyModel } from "./types";

export interface ToolbarOptions {
  model: AnyModel;
  /** The widget's `.iw-root`: what the pictures show, and what gets `iw-present`. */
  root: HTMLElement;
  /** File name stem: `interpwidgets-<name>.png` / `.svg` (the widget's module name). */
  name: string;
  /** The row the buttons go in (the widget's title or controls row); appended at its end. */
  parent: HTMLElement;
  /** An element of that row that stays beside the buttons (a legend): both go into one
   *  right-aligned group, which wraps to the next line as a whole. */
  beside?: HTMLElement;
  /** Redraw what the widget draws on canvas or sizes in JS, after presentation mode or the
   *  theme changed (DOM text follows the CSS by itself). */
  redraw?: () => void;
}

/** Class on the root in presentation mode (style.css sets --iw-scale: 1.5 under it). */
export const PRESENT_CLASS = "iw-present";

export class Toolbar {
  readonly el = el("div", "iw-toolbar");
  readonly present = el("button", "iw-tb-present", "A+");
  readonly mode = el("button", "iw-tb-mode");
  readonly png = el("button", "iw-tb-png", "\u2913 PNG");
  readonly svg = el("button", "iw-tb-svg", "\u2913 SVG");
  private readonly cleanups: (() => void)[] = [];
  private themeSig = "";
  private themeTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the pictures show (the mode button flips it). */
  pictureMode: PictureMode = "figure";

  constructor(private readonly opts: ToolbarOptions) {
    const { model, root } = opts;
    this.el.setAttribute("role", "toolbar");
    const tr = translator(model);
    this.el.setAttribute("aria-label", tr("toolbar.label"));
    this.el.dataset.iwSnapshot = "skip";
    for (const b of [this.present, this.mode, this.png, this.svg]) b.type = "button";
    this.present.title = tr("toolbar.present");
    this.png.title = tr("toolbar.png");
    this.svg.title = tr("toolbar.svg");
    this.showMode();
    this.el.append(this.present, this.mode, this.png, this.svg);
    if (opts.beside && opts.beside.parentElement === opts.parent) {
      const group = el("div", "iw-tb-group");
      opts.parent.insertBefore(group, opts.beside);
      group.append(opts.beside, this.el);
      this.cleanups.push(() => { if (group.parentElement) group.replaceWith(...Array.from(group.childNodes)); });
    } else opts.parent.appendChild(this.el);

    const on = <E extends Event>(t: EventTarget, type: string, fn: (e: E) => void) => {
      t.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => t.removeEventListener(type, fn as EventListener));
    };
    on(this.present, "click", () => {
      model.set("presentation", !model.get("presentation"));
      model.save_changes();
      this.applyPresentation();
    });
    on(this.mode, "click", () => {
      this.pictureMode = this.pictureMode === "figure" ? "screenshot" : "figure";
      this.showMode();
    });
    on(this.png, "click", () => void this.save("png"));
    on(this.svg, "click", () => void this.save("svg"));
    const onChange = () => this.applyPresentation();
    model.on("change:presentation", onChange);
    this.cleanups.push(() => model.off("change:presentation", onChange));
    this.cleanups.push(watchTheme(() => this.themeMaybeChanged()));
    this.applyPresentation(false);
    this.themeSig = this.signature();
    root.dataset.theme = this.themeSig.startsWith("dark") ? "dark" : "light";
    // The host may insert the view later (its theme is unreadable until then): look again once
    // it is in the page.
    this.cleanups.push(whenAttached(root, () => this.themeMaybeChanged()));
  }

  /** Show the `presentation` trait: the root's class, the button, a redraw. */
  applyPresentation(redraw = true): void {
    const on = Boolean(this.opts.model.get("presentation"));
    const was = this.opts.root.classList.contains(PRESENT_CLASS);
    this.opts.root.classList.toggle(PRESENT_CLASS, on);
    this.present.setAttribute("aria-pressed", String(on));
    this.present.classList.toggle("iw-active", on);
    if (redraw && was !== on) this.opts.redraw?.();
  }

  /** The mode button's label and title for the current picture mode. */
  private showMode(): void {
    const tr = translator(this.opts.model);
    const m = this.pictureMode;
    const [label, title] = m === "figure" ? ["toolbar.figure", "toolbar.mode_figure"] : ["toolbar.screenshot", "toolbar.mode_screenshot"];
    this.mode.textContent = tr(label);
    this.mode.title = tr(title);
    this.mode.dataset.mode = m;
  }

  private signature(): string {
    try {
      const cs = getComputedStyle(this.opts.root);
      const bg = cs.getPropertyValue("--iw-bg").trim();
      return `${isDark(this.opts.root) ? "dark" : "light"}|${bg}|${cs.getPropertyValue("--iw-fg").trim()}|${cs.color}`;
    } catch {
      return "";
    }
  }

  /** The host may have switched theme: redraw when the widget's colours really changed (now,
   *  and once more a moment later, in case the theme's stylesheet was still loading). */
  private themeMaybeChanged(): void {
    const check = () => {
      const sig = this.signature();
      if (sig === this.themeSig) return;
      this.themeSig = sig;
      this.opts.root.dataset.theme = sig.startsWith("dark") ? "dark" : "light";
      this.opts.redraw?.();
    };
    check();
    clearTimeout(this.themeTimer);
    this.themeTimer = setTimeout(check, 400);
  }

  /** Make the picture and download it; the button says when it failed. */
  async save(kind: "png" | "svg"): Promise<void> {
    const button = kind === "png" ? this.png : this.svg;
    if (button.disabled) return;
    button.disabled = true;
    button.classList.remove("iw-tb-failed");
    const { root, name } = this.opts;
    try {
      const snap = await takePicture(root, { mode: this.pictureMode, redraw: this.opts.redraw });
      const file = snapshotFileName(name, kind);
      if (kind === "svg") download(new Blob([snap.svg], { type: "image/svg+xml" }), file);
      else download(await svgToPng(snap, pngScale()), file);
      root.dataset.snapshot = `${kind}:${this.pictureMode}:${snap.width}x${snap.height}`;
    } catch (err) {
      button.classList.add("iw-tb-failed");
      button.title = translator(this.opts.model)("toolbar.failed", {
        kind: kind.toUpperCase(),
        message: (err as Error).message || String(err),
      });
      console.error("interpwidgets: image export failed:", err);
    } finally {
      button.disabled = false;
    }
  }

  destroy(): void {
    clearTimeout(this.themeTimer);
    for (const c of this.cleanups.splice(0)) c();
    this.el.remove();
  }
}

/** Put the toolbar in `opts.parent` and wire it; returns the cleanup (call it on destroy). */
export function attachToolbar(opts: ToolbarOptions): () => void {
  const t = new Toolbar(opts);
  return () => t.destroy();
}
