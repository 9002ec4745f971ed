// Small DOM helpers shared by the widgets.

import type { AnyModel, RenderProps } from "./types";

/** A new element with a class and text (set as textContent, never parsed as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

/** Make a widget's root focusable for its keyboard shortcuts (JupyterLab's own cell shortcuts kept
 *  off while it has focus) and name it for screen readers. */
export function focusableRoot(root: HTMLElement, label: string): void {
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.setAttribute("aria-label", label);
}

/** A widget's anywidget module: `render` builds one view per output and destroys it with the output. */
export function widgetModule(make: (model: AnyModel, host: HTMLElement) => { destroy(): void }) {
  return {
    render({ model, el: host }: RenderProps) {
      const view = make(model, host);
      return () => view.destroy();
    },
  };
}
