// NeuronText: one neuron's activation over the original text, coloured token by token
// (Karpathy et al. 2016). The view itself lives in neuron_view.ts, shared with NeuronExplorer.
// A ground truth given in Python (`underline=` / `w.underline(...)`, the `overlay` trait) is
// underlined token by token, with a note under the text, so the colours and the truth can be
// compared at a glance.

import { el, widgetModule } from "../shared/dom";
import type { AnyModel } from "../shared/types";
import type { NeuronTextState } from "../shared/states";
import { NeuronView } from "./neuron_view";

/** Token flags from the `overlay` trait's runs ([first, end) token indices); bad runs skipped. */
export function overlayMask(raw: unknown, n: number): { mask: Uint8Array; name: string; count: number } {
  const mask = new Uint8Array(Math.max(0, n));
  const o = raw && typeof raw === "object" ? (raw as { name?: unknown; runs?: unknown }) : {};
  let count = 0;
  for (const r of Array.isArray(o.runs) ? o.runs : []) {
    if (!Array.isArray(r) || !Number.isInteger(r[0]) || !Number.isInteger(r[1])) continue;
    for (let i = Math.max(0, r[0]); i < Math.min(n, r[1]); i++) {
      if (!mask[i]) count++;
      mask[i] = 1;
    }
  }
  return { mask, name: typeof o.name === "string" ? o.name : "", count };
}

class Overlay {
  mask: Uint8Array = new Uint8Array(0);
  readonly note = el("div", "iw-truth-note");
  constructor(private readonly model: AnyModel<NeuronTextState>) {}

  read(n: number): void {
    const { mask, name, count } = overlayMask(this.model.get("overlay"), n);
    this.mask = mask;
    this.note.replaceChildren();
    this.note.hidden = !name;
    if (name) {
      const key = el("span", "iw-truth-key", "abc");
      this.note.append(key, el("span", "", ` underlined: ${name} (${count.toLocaleString("en-US")} token${count === 1 ? "" : "s"}), the ground truth beside the colours`));
    }
  }
}

export default widgetModule((model, host) => {
  const overlay = new Overlay(model as AnyModel<NeuronTextState>);
  const view = new NeuronView(model, host, {
    className: "iw-neuron-text",
    decorate: (span, i) => span.classList.toggle("iw-truth", overlay.mask[i] === 1),
  });
  const tokens = () => view.strip.tokenCount;
  overlay.read(tokens());
  view.root.append(overlay.note);
  const onOverlay = () => { overlay.read(tokens()); view.repaint(); };
  model.on("change:overlay", onOverlay);
  return { destroy: () => { model.off("change:overlay", onOverlay); view.destroy(); } };
});
