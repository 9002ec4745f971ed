// NeuronText: one neuron's activation over the original text, coloured token by token
// (Karpathy et al. 2016). The view itself lives in neuron_view.ts, shared with NeuronExplorer.

import { NeuronView } from "./neuron_view";
import type { RenderProps } from "./types";

export default {
  render({ model, el: host }: RenderProps) {
    const view = new NeuronView(model, host, { className: "iw-neuron-text" });
    return () => view.destroy();
  },
};
