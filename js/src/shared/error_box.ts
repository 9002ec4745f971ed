// The error box every widget shows at the top of its root: an exception raised in Python
// while it applied a change made in the browser (a callback the user registered with
// `observe`, or one of ours) arrives in the synced `error` trait and is shown here, in the
// cell, instead of being lost in the kernel log (like lonboard). "dismiss" clears the trait.

import { el } from "./dom";
import { translator } from "./i18n";
import type { AnyModel } from "./types";

export class ErrorBox {
  readonly el = el("div", "iw-error");
  private readonly text = el("div", "iw-error-text");
  private readonly dismiss: HTMLButtonElement;
  private readonly onChange = () => this.show(this.model.get("error"));
  private readonly onDismiss = () => {
    this.clear();
    this.root.focus({ preventScroll: true }); // the keys keep working after the button is gone
  };

  /** Adds the (hidden) box as the first child of `root` and follows the model's `error`. */
  constructor(private readonly model: AnyModel, private readonly root: HTMLElement) {
    const tr = translator(model);
    this.dismiss = el("button", "iw-error-dismiss", tr("error.dismiss"));
    this.el.setAttribute("role", "alert");
    this.el.hidden = true;
    this.dismiss.type = "button";
    this.dismiss.title = tr("error.dismiss_title");
    const label = el("div", "iw-error-label", tr("error.label"));
    const body = el("div", "iw-error-body");
    body.append(label, this.text);
    this.el.append(body, this.dismiss);
    root.prepend(this.el);
    this.dismiss.addEventListener("click", this.onDismiss);
    model.on("change:error", this.onChange);
    this.onChange();
  }

  /** Show `message` (as text, never HTML); hide the box when it is empty or not a string. */
  show(message: unknown): void {
    const text = typeof message === "string" ? message : message == null ? "" : String(message);
    this.text.textContent = text;
    this.el.hidden = text === "";
  }

  get shown(): boolean {
    return !this.el.hidden;
  }

  /** The person dismissed the error: hide it and clear the trait in Python too. */
  clear(): void {
    this.show("");
    if (this.model.get("error")) {
      this.model.set("error", "");
      this.model.save_changes();
    }
  }

  destroy(): void {
    this.dismiss.removeEventListener("click", this.onDismiss);
    this.model.off("change:error", this.onChange);
    this.el.remove();
  }
}
