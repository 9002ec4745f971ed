// @vitest-environment happy-dom
// The view base (view.ts): the root's layout, one render per burst of changes, nothing after
// destroy, the listeners removed, and trait events checked by tsc (`npm run typecheck`).
import { afterEach, describe, expect, it } from "vitest";
import { el } from "./dom";
import type { ProbeChartState } from "./states";
import { WidgetView } from "./view";
import { FakeModel } from "../testing/fake_model";

class Probe extends WidgetView<ProbeChartState> {
  renders = 0;
  clicks = 0;
  readonly body = el("div", "body");

  constructor(model: FakeModel, host: HTMLElement) {
    super(model, "iw-test", "a test view");
    this.root.append(this.titleRow.el, this.body);
    this.mount(host, { name: "test", parent: this.body });
    this.on("change:metric", () => this.schedule());
    this.listen(this.body, "click", () => this.clicks++);
  }

  protected render(): void {
    this.renders++;
  }

  misspelt(): void {
    // @ts-expect-error "metrc" is not a ProbeChart trait
    this.on("change:metrc", () => this.schedule());
  }

  request(): void {
    this.schedule();
  }
}

afterEach(() => { document.body.replaceChildren(); });

describe("WidgetView", () => {
  it("lays out the root: error box first, the view's rows, the tooltip last; focusable and named", () => {
    const v = new Probe(new FakeModel({ metric: "accuracy" }), document.body);
    const kids = Array.from(v.root.children).map((c) => c.className);
    expect(kids).toEqual(["iw-error", "iw-title", "body", "iw-tooltip"]);
    expect(v.root.className).toBe("iw-root iw-test");
    expect(v.root.tabIndex).toBe(0);
    expect(v.root.getAttribute("aria-label")).toBe("a test view");
    expect(v.body.querySelector(".iw-toolbar")).not.toBeNull();
    expect(v.root.parentElement).toBe(document.body);
  });

  it("renders once for a burst of changes, before the next task", async () => {
    const m = new FakeModel({ metric: "accuracy" });
    const v = new Probe(m, document.body);
    m.set("metric", "selectivity");
    m.set("metric", "control");
    v.request();
    expect(v.renders).toBe(0);
    await Promise.resolve();
    expect(v.renders).toBe(1);
  });

  it("does nothing after destroy, and leaves no listener behind", async () => {
    const m = new FakeModel({ metric: "accuracy" });
    const v = new Probe(m, document.body);
    expect(m.listenerCount("change:metric")).toBe(1);
    v.request();
    v.destroy();
    await Promise.resolve();
    expect(v.renders).toBe(0);
    expect(m.listenerCount("change:metric")).toBe(0);
    expect(m.listenerCount("change:error")).toBe(0);
    v.body.dispatchEvent(new Event("click"));
    expect(v.clicks).toBe(0);
    expect(v.root.isConnected).toBe(false);
  });

  it("sets the title and hides it when empty", () => {
    const v = new Probe(new FakeModel({}), document.body);
    v.titleRow.set("Title", "caption");
    expect([v.titleRow.main.textContent, v.titleRow.main.hidden, v.titleRow.caption.textContent]).toEqual(["Title", false, "caption"]);
    v.titleRow.set("");
    expect([v.titleRow.main.hidden, v.titleRow.caption.textContent]).toEqual([true, "caption"]);
  });
});
