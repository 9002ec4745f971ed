// The widget's words in its language. Python sends the catalogue's `ui.` keys of the widget's
// `locale` in the synced `_strings` trait (interpwidgets/i18n/<lang>.json, the one place the
// text lives); an exported page carries them in its state. The English catalogue is bundled as
// the fallback for a host that has not sent the trait (and for the unit tests).

import en from "../../../interpwidgets/i18n/en.json";
import type { AnyModel } from "./types";

/** `key` (without the `ui.` prefix) → its text with `{name}` fields filled in. */
export type Tr = (key: string, fields?: Record<string, string | number>) => string;

const ENGLISH: Record<string, string> = Object.fromEntries(
  Object.entries(en as Record<string, string>)
    .filter(([k]) => k.startsWith("ui."))
    .map(([k, v]) => [k.slice(3), v]),
);

function fill(text: string, fields?: Record<string, string | number>): string {
  if (!fields) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in fields ? String(fields[name]) : whole));
}

/** The translator of `model` (its `_strings` as they are now); English without a model. */
export function translator(model?: AnyModel | null): Tr {
  let strings: Record<string, string> = {};
  try {
    const got = model?.get("_strings");
    if (got && typeof got === "object") strings = got as Record<string, string>;
  } catch {
    strings = {};
  }
  return (key, fields) => {
    const own = strings[key];
    return fill(typeof own === "string" ? own : ENGLISH[key] ?? key, fields);
  };
}

/** English, for code that has no model at hand. */
export const english: Tr = translator(null);
