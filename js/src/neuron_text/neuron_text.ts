// NeuronText: one neuron's activation over the original text, coloured token by token
// (Karpathy et al. 2016). The view itself lives in neuron_view.ts, shared with NeuronExplorer.

import { widgetModule } from "../shared/dom";
import { NeuronView } from "./neuron_view";

export default widgetModule((model, host) => new NeuronView(model, host, { className: "iw-neuron-text" }));
