// The status line under a view's body: "loading …" shown only when a fetch outlasts a short
// delay, an error with a retry button, hidden otherwise. One per view (AttentionView,
// NeuronText/NeuronExplorer, NeuronDashboard).

import { el } from "./dom";

export class StatusLine {
  readonly el = el("div", "iw-status");
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.el.setAttribute("role", "status");
    this.el.hidden = true;
  }

  /** Show `text` as loading after `delayMs`, if `stillWanted()` then (a fetch that answers
   *  sooner never flashes the line). Cancels an earlier pending one. */
  later(text: string, delayMs: number, stillWanted: () => boolean): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (stillWanted()) this.show(text, "iw-status-loading");
    }, delayMs);
  }

  /** Show `text` with the class `kind` (iw-status-loading / iw-status-error); returns the line. */
  show(text: string, kind: string): HTMLElement {
    this.el.className = `iw-status ${kind}`;
    this.el.replaceChildren(el("span", "iw-status-text", text));
    this.el.hidden = false;
    return this.el;
  }

  /** Show an error; with `retry`, a "retry" button that hides the line and calls it. */
  error(message: string, retry?: () => void): void {
    clearTimeout(this.timer);
    const line = this.show(message, "iw-status-error");
    if (!retry) return;
    const button = el("button", "iw-retry", "retry");
    button.type = "button";
    button.addEventListener("click", () => { this.hide(); retry(); });
    line.appendChild(button);
  }

  hide(): void {
    clearTimeout(this.timer);
    this.el.hidden = true;
    this.el.replaceChildren();
  }

  /** Cancel a pending "loading" (call from the view's destroy). */
  cancel(): void {
    clearTimeout(this.timer);
  }
}
