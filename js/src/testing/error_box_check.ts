// The error box contract every widget keeps (used by each widget's tests).
import { expect } from "vitest";
import type { FakeModel } from "./fake_model";

const HOSTILE = 'ZeroDivisionError: division by zero <img src=x onerror="alert(1)">\n(raised after the browser set neuron = 3)';

/** `root` shows the `error` trait in a box at its top, as text; "dismiss" clears the trait. */
export function checkErrorBox(model: FakeModel, root: HTMLElement): void {
  const box = Array.from(root.children).find((c) => c.classList.contains("iw-error")) as HTMLElement;
  expect(box).not.toBeNull();
  expect(root.firstElementChild).toBe(box); // at the top of the root
  expect(box.hidden).toBe(true); // no error: nothing shown
  const before = root.children.length;
  const others = Array.from(root.children).filter((c) => c !== box).map((c) => c.outerHTML);

  model.set("error", HOSTILE);
  expect(box.hidden).toBe(false);
  expect(box.getAttribute("role")).toBe("alert");
  expect(box.querySelector(".iw-error-text")!.textContent).toBe(HOSTILE);
  expect(box.querySelector("img")).toBeNull(); // text, never HTML
  // The rest of the view is still there, untouched.
  expect(root.children.length).toBe(before);
  expect(Array.from(root.children).filter((c) => c !== box).map((c) => c.outerHTML)).toEqual(others);

  const saves = model.saves;
  box.querySelector<HTMLButtonElement>("button.iw-error-dismiss")!.click();
  expect(box.hidden).toBe(true);
  expect(model.get("error")).toBe("");
  expect(model.saves).toBe(saves + 1);
  expect(document.activeElement).toBe(root); // keys keep working

  model.set("error", "ValueError: again");
  expect(box.hidden).toBe(false);
  model.set("error", ""); // cleared from Python (a later change applied cleanly)
  expect(box.hidden).toBe(true);
}
