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

/** A widget's anywidget module: `render` builds one view per output and destroys it with the
 *  output. A new language (`_strings`, set with the `locale` trait) builds the view again: a view
 *  reads its labels once, when it is built, and its state is in the model's traits. */
export function widgetModule(make: (model: AnyModel, host: HTMLElement) => { destroy(): void }) {
  return {
    render({ model, el: host }: RenderProps) {
      let view = make(model, host);
      const relabel = () => {
        view.destroy();
        view = make(model, host);
      };
      model.on("change:_strings", relabel);
      return () => {
        model.off("change:_strings", relabel);
        view.destroy();
      };
    },
  };
}
