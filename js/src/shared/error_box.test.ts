// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { ErrorBox } from "./error_box";
import { FakeModel } from "../testing/fake_model";

afterEach(() => document.body.replaceChildren());

function setup(state: Record<string, unknown> = {}) {
  const model = new FakeModel(state);
  const root = document.createElement("div");
  root.tabIndex = 0;
  root.append(document.createElement("p"), document.createElement("section"));
  document.body.appendChild(root);
  const box = new ErrorBox(model, root);
  return { model, root, box };
}

describe("ErrorBox", () => {
  it("is the first child of the root and hidden while there is no error", () => {
    const { root, box } = setup({ error: "" });
    expect(root.firstElementChild).toBe(box.el);
    expect(box.el.classList.contains("iw-error")).toBe(true);
    expect(box.el.hidden).toBe(true);
    expect(box.shown).toBe(false);
    expect(root.children.length).toBe(3);
  });

  it("shows an error the model already holds (e.g. an exported page)", () => {
    const { box } = setup({ error: "KeyError: 'x'" });
    expect(box.shown).toBe(true);
    expect(box.el.querySelector(".iw-error-text")!.textContent).toBe("KeyError: 'x'");
  });

  it("treats a missing trait (older kernel) as no error", () => {
    const { box } = setup({});
    expect(box.shown).toBe(false);
  });

  it("follows change:error, with the text as text", () => {
    const { model, box } = setup({ error: "" });
    model.set("error", "RuntimeError: <b>bold</b>\n(raised after the browser set head = 1)");
    expect(box.shown).toBe(true);
    const text = box.el.querySelector(".iw-error-text")!;
    expect(text.textContent).toBe("RuntimeError: <b>bold</b>\n(raised after the browser set head = 1)");
    expect(text.querySelector("b")).toBeNull();
    model.set("error", "");
    expect(box.shown).toBe(false);
  });

  it("dismiss hides the box, clears the trait and saves it once", () => {
    const { model, root, box } = setup({ error: "ZeroDivisionError: division by zero" });
    const button = box.el.querySelector<HTMLButtonElement>("button.iw-error-dismiss")!;
    expect(button.textContent).toBe("dismiss");
    expect(button.type).toBe("button");
    button.click();
    expect(box.shown).toBe(false);
    expect(model.get("error")).toBe("");
    expect(model.saves).toBe(1);
    expect(document.activeElement).toBe(root);
  });

  it("destroy removes the box and its listener", () => {
    const { model, root, box } = setup({ error: "" });
    expect(model.listenerCount("change:error")).toBe(1);
    box.destroy();
    expect(model.listenerCount("change:error")).toBe(0);
    expect(root.querySelector(".iw-error")).toBeNull();
    model.set("error", "late"); // no throw, nothing shown
  });
});
