// Each view's model is typed by its widget's traits (shared/states.ts, generated from Python):
// a misspelt trait name is a type error. `npm run typecheck` checks the expectations below.
import { describe, expect, it } from "vitest";
import type { NeuronTextState, AttentionViewState } from "./states";
import type { AnyModel } from "./types";
import { FakeModel } from "../testing/fake_model";

describe("typed models", () => {
  it("accept the widget's trait names and reject others", () => {
    const nt: AnyModel<NeuronTextState> = new FakeModel({ neuron: 3, layer: "rnn.0.h" });
    const neuron: number = nt.get("neuron");
    // @ts-expect-error "nueron" is not a NeuronText trait
    nt.get("nueron");
    // @ts-expect-error neuron holds a number
    nt.set("neuron", "3");
    const av: AnyModel<AttentionViewState> = new FakeModel({ view: "head" });
    // @ts-expect-error NeuronText's trait, not AttentionView's
    av.get("neuron");
    expect([neuron, av.get("view")]).toEqual([3, "head"]);
  });
});
