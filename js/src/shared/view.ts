// The skeleton every widget view shares: its root (focusable, labelled for screen readers),
// the title row, the error box, the toolbar, the tooltip, coalesced redraws, and the
// listeners it removes on destroy. A view extends WidgetView<XState> (states.ts), so its
// model's `get`/`set` and its `change:<trait>` subscriptions are checked against the
// widget's Python traits by tsc:
//
//   class ProbeChartView extends WidgetView<ProbeChartState> {
//     constructor(model, host) {
//       super(model, "iw-probe-chart", "Probe accuracy per layer…");
//       this.root.append(this.titleRow.el, controls, body);   // the view's own rows
//       this.mount(host, { name: "probe_chart", parent: controls });
//       this.on("change:metric", () => this.schedule());
//     }
//     protected render() { … }   // after any number of schedule() calls, once
//   }

import { el, focusableRoot } from "./dom";
import { ErrorBox } from "./error_box";
import { attachToolbar, type ToolbarOptions } from "./toolbar";
import { Tooltip } from "./tooltip";
import type { AnyModel, ModelEvent } from "./types";

/** The title row: the title in bold, then a caption small and muted. */
export class TitleRow {
  readonly el = el("div", "iw-title");
  readonly main = el("span", "iw-title-main");
  readonly caption = el("span", "iw-caption");

  constructor(withCaption = true) {
    this.el.append(this.main);
    if (withCaption) this.el.append(this.caption);
  }

  /** The title (hidden when empty) and, when given, the caption. */
  set(title: string, caption?: string): void {
    this.main.textContent = title;
    this.main.hidden = !title;
    if (caption !== undefined) this.caption.textContent = caption;
  }
}

/** What the toolbar needs beyond the view's model and root (toolbar.ts). */
export type ViewToolbar = Omit<ToolbarOptions, "model" | "root">;

export abstract class WidgetView<S extends object> {
  readonly root: HTMLDivElement;
  readonly model: AnyModel<S>;
  readonly titleRow: TitleRow;
  /** Set by mount(): the view's floating tooltip (the last child of the root); a view whose
   *  parts need it sooner creates it itself. */
  tooltip!: Tooltip;
  /** Set by mount(): errors Python raised while applying a change made here (the `error` trait). */
  errorBox!: ErrorBox;
  /** Run once by destroy(): listeners, observers, timers the view registered. */
  protected readonly cleanups: (() => void)[] = [];
  protected destroyed = false;
  private queued = false;

  /** A root `<div class="iw-root {className}">`, focusable, named `label` for screen readers. */
  constructor(model: AnyModel<S>, className: string, label: string, titleCaption = true) {
    this.model = model;
    this.root = el("div", `iw-root ${className}`);
    focusableRoot(this.root, label);
    this.titleRow = new TitleRow(titleCaption);
  }

  /** Show the view: the error box goes first in the root (which holds the view's rows by
   *  now), the root into `host`, the toolbar into `toolbar.parent`, the tooltip last. The root
   *  is in the page before the toolbar reads its theme, so a host that shows it at once (an
   *  exported page) gets the first render in the right theme, with no second one to correct it. */
  protected mount(host: HTMLElement, toolbar?: ViewToolbar): void {
    const { model, root } = this;
    this.errorBox = new ErrorBox(model, root);
    host.appendChild(root);
    if (toolbar) this.cleanups.push(attachToolbar({ model, root, ...toolbar }));
    this.tooltip ??= new Tooltip(root);
  }

  /** Add a DOM listener, removed on destroy (also for parts the view carries, e.g. NeuronExplorer's). */
  listen<E extends Event>(target: EventTarget, type: string, fn: (e: E) => void): void {
    const h = fn as EventListener;
    target.addEventListener(type, h);
    this.cleanups.push(() => target.removeEventListener(type, h));
  }

  /** Subscribe to a model event (`change:<trait>` is checked against the traits), unsubscribed on destroy. */
  protected on(event: ModelEvent<S>, fn: () => void): void {
    this.model.on(event, fn);
    this.cleanups.push(() => this.model.off(event, fn));
  }

  /** Ask for one render(): calls in the same task (a burst of trait changes) coalesce, and
   *  it runs before the browser paints again (a microtask), never after destroy. */
  protected schedule(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      if (!this.destroyed) this.render();
    });
  }

  /** Bring the DOM up to date with the model (scheduled by schedule()). */
  protected abstract render(): void;

  /** Remove the view: cleanups, tooltip, error box, root. Views with more parts destroy
   *  those, then call super.destroy(). */
  destroy(): void {
    this.destroyed = true;
    for (const c of this.cleanups.splice(0)) c();
    this.tooltip?.destroy();
    this.errorBox?.destroy();
    this.root.remove();
  }
}
