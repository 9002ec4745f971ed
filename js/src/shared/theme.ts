// The page's theme as the widgets need it on canvas and in inline styles: CSS colours parsed to
// RGBA, whether the widget sits on a dark background, WCAG contrast, a colour nudged until it
// is readable on a background, and a watcher that calls back when the host switches theme
// (JupyterLab's data-jp-theme-light, VS Code's body class, the OS preference), and one that
// calls back once a view is in the page (before that its theme cannot be read).

import { type RGB, luminance } from "./colors";

export type RGBA = [number, number, number, number];

const HEX = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const FUNC = /^(rgba?|color)\(\s*(.*)\)$/i;

function clamp255(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

function part(s: string, scale: number): number {
  const t = s.trim();
  if (t.endsWith("%")) return (parseFloat(t) / 100) * scale;
  return parseFloat(t);
}

/** A CSS colour as [r, g, b, a] (0–255, alpha 0–1) without a DOM: hex, rgb()/rgba() in comma or
 *  space syntax, `color(srgb r g b / a)` (what color-mix() computes to), `transparent`.
 *  Anything else gives null (see parseColor for the DOM fallback). */
export function parseCssColor(css: string): RGBA | null {
  const s = css.trim().toLowerCase();
  if (!s) return null;
  if (s === "transparent") return [0, 0, 0, 0];
  if (s === "white") return [255, 255, 255, 1];
  if (s === "black") return [0, 0, 0, 1];
  const h = HEX.exec(s);
  if (h) {
    let x = h[1];
    if (x.length <= 4) x = Array.from(x).map((c) => c + c).join("");
    const n = (i: number) => parseInt(x.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), x.length === 8 ? n(6) / 255 : 1];
  }
  const f = FUNC.exec(s);
  if (!f) return null;
  let body = f[2];
  let space = "srgb";
  if (f[1] === "color") {
    const m = /^([a-z0-9-]+)\s+(.*)$/.exec(body);
    if (!m) return null;
    space = m[1];
    body = m[2];
    if (space !== "srgb") return null;
  }
  let alpha = "1";
  const slash = body.split("/");
  if (slash.length === 2) { body = slash[0]; alpha = slash[1]; }
  const parts = body.split(/[\s,]+/).filter(Boolean);
  if (slash.length === 1 && parts.length === 4) alpha = parts.pop()!;
  if (parts.length !== 3) return null;
  const scale = f[1] === "color" ? 1 : 255;
  const rgb = parts.map((p) => part(p, scale) * (f[1] === "color" ? 255 : 1));
  const a = part(alpha, 1);
  if (rgb.some((v) => !Number.isFinite(v)) || !Number.isFinite(a)) return null;
  return [clamp255(rgb[0]), clamp255(rgb[1]), clamp255(rgb[2]), Math.max(0, Math.min(1, a))];
}

const cache = new Map<string, RGBA | null>();

/** Any CSS colour the browser understands as [r, g, b, a]: parsed directly when it can be,
 *  else painted on a 1×1 canvas and read back (oklch(), named colours, …). Null when it
 *  is not a colour. Results are cached. */
export function parseColor(css: string): RGBA | null {
  const key = css.trim();
  if (cache.has(key)) return cache.get(key)!;
  let out = parseCssColor(key);
  if (!out && typeof document !== "undefined" && key && key !== "none") {
    try {
      const c = document.createElement("canvas");
      c.width = c.height = 1;
      const ctx = c.getContext("2d", { willReadFrequently: true });
      if (ctx) {
        ctx.fillStyle = "rgba(1, 2, 3, 0.5)";
        const before = ctx.fillStyle;
        ctx.fillStyle = key;
        if (ctx.fillStyle !== before || /^rgba\(\s*1,\s*2,\s*3/.test(key)) {
          ctx.clearRect(0, 0, 1, 1);
          ctx.fillRect(0, 0, 1, 1);
          const d = ctx.getImageData(0, 0, 1, 1).data;
          const a = d[3] / 255;
          out = a > 0 ? [Math.round(d[0] / a), Math.round(d[1] / a), Math.round(d[2] / a), a] : [0, 0, 0, 0];
        }
      }
    } catch {
      out = null;
    }
  }
  if (cache.size > 512) cache.clear();
  cache.set(key, out);
  return out;
}

/** `fg` (possibly translucent) composited over the opaque `bg`. */
export function over(fg: RGBA, bg: RGB): RGB {
  const a = fg[3];
  return [
    Math.round(fg[0] * a + bg[0] * (1 - a)),
    Math.round(fg[1] * a + bg[1] * (1 - a)),
    Math.round(fg[2] * a + bg[2] * (1 - a)),
  ];
}

/** WCAG contrast ratio of two opaque colours (1 … 21). */
export function contrast(a: RGB, b: RGB): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** `color` mixed towards black (on a light `bg`) or white (on a dark one) just enough to reach
 *  `ratio` contrast with `bg` — the same hue, readable as text. */
export function legibleOn(color: RGB, bg: RGB, ratio = 4.5): RGB {
  if (contrast(color, bg) >= ratio) return [...color] as RGB;
  const target: RGB = luminance(bg) > 0.18 ? [0, 0, 0] : [255, 255, 255];
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 18; k++) {
    const t = (lo + hi) / 2;
    if (contrast(mix(color, target, t), bg) >= ratio) hi = t;
    else lo = t;
  }
  return mix(color, target, hi);
}

/** Near-black or white, whichever reads better on `bg`. */
export function readableText(bg: RGB): string {
  return contrast(bg, [255, 255, 255]) >= contrast(bg, [17, 17, 17]) ? "#fff" : "#111";
}

/** a + (b − a)·t, rounded. */
export function mix(a: RGB, b: RGB, t: number): RGB {
  return [
    Math.round(a[0] + (b[0] - a[0]) * t),
    Math.round(a[1] + (b[1] - a[1]) * t),
    Math.round(a[2] + (b[2] - a[2]) * t),
  ];
}

/** The opaque background the widget `el` is drawn on: its `--iw-bg` (white when unknown). */
export function themeBackground(el: Element): RGB {
  let css = "";
  try { css = getComputedStyle(el).getPropertyValue("--iw-bg"); } catch { css = ""; }
  const c = parseColor(css || "#ffffff") ?? [255, 255, 255, 1];
  return over(c, [255, 255, 255]);
}

/** Whether the widget `el` is drawn on a dark background (its `--iw-bg`). */
export function isDark(el: Element): boolean {
  return luminance(themeBackground(el)) < 0.18;
}

/** Call `cb` when the host switches between light and dark: JupyterLab's `data-jp-theme-light`
 *  and theme CSS (on body), VS Code's body classes, the OS colour scheme. Returns a cleanup. */
export function watchTheme(cb: () => void): () => void {
  const undo: (() => void)[] = [];
  if (typeof MutationObserver !== "undefined" && typeof document !== "undefined") {
    const mo = new MutationObserver(() => cb());
    const opts = { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name", "class", "style"] };
    if (document.body) mo.observe(document.body, opts);
    mo.observe(document.documentElement, opts);
    if (document.head) mo.observe(document.head, { childList: true }); // theme stylesheets swapped
    undo.push(() => mo.disconnect());
  }
  if (typeof window !== "undefined" && typeof window.matchMedia === "function") {
    const mq = window.matchMedia("(prefers-color-scheme: dark)");
    const h = () => cb();
    if (typeof mq.addEventListener === "function") {
      mq.addEventListener("change", h);
      undo.push(() => mq.removeEventListener("change", h));
    }
  }
  return () => { for (const u of undo.splice(0)) u(); };
}

/** Call `cb` once `el` is in the document — at once if it already is. A host may build a
 *  widget's view before it inserts it (JupyterLab does), and a detached element has no computed
 *  style, so the theme read at construction is the default light one: read it again here. A
 *  ResizeObserver notices the element being laid out; an animation-frame check covers hosts that
 *  attach it hidden. Returns a cleanup that stops watching. */
export function whenAttached(el: Element, cb: () => void): () => void {
  if (el.isConnected) {
    cb();
    return () => {};
  }
  let done = false;
  let frame: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ro: ResizeObserver | undefined;
  const stop = () => {
    done = true;
    ro?.disconnect();
    if (frame !== undefined && typeof cancelAnimationFrame === "function") cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
  const check = () => {
    if (done) return;
    if (el.isConnected) {
      stop();
      cb();
    } else if (typeof requestAnimationFrame === "function") frame = requestAnimationFrame(check);
    else timer = setTimeout(check, 50);
  };
  if (typeof ResizeObserver !== "undefined") {
    ro = new ResizeObserver(() => check());
    ro.observe(el);
  }
  check();
  return stop;
}
