// Pure helpers of the SVG picture (snapshot.ts): boxes, CSS values (shadows, gradients)
// parsed into what SVG can draw, XML-safe text, file names. Tested by vitest without a DOM.

export interface Rect { left: number; top: number; right: number; bottom: number }

// ---- pure helpers (tested by vitest)

/** "interpwidgets-neuron_text.png": a safe file name for a widget's picture. */
export function snapshotFileName(name: string, ext: "png" | "svg"): string {
  const stem = String(name || "widget").toLowerCase().replace(/[^a-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "") || "widget";
  return `interpwidgets-${stem}.${ext}`;
}

/** Text that XML 1.0 can hold: control characters other than tab/newline/CR (they have no
 *  ink) and the non-characters U+FFFE/U+FFFF are dropped; lone surrogates become U+FFFD. */
export function xmlText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

export function intersect(a: Rect, b: Rect | null): Rect | null {
  if (!b) return a;
  const r = { left: Math.max(a.left, b.left), top: Math.max(a.top, b.top), right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom) };
  return r.right > r.left && r.bottom > r.top ? r : null;
}

/** a − b as up to four rectangles (top band, bottom band, left and right of the middle). */
export function rectDiff(a: Rect, b: Rect): Rect[] {
  const i = intersect(a, b);
  if (!i) return [a];
  const out: Rect[] = [];
  if (i.top > a.top) out.push({ left: a.left, top: a.top, right: a.right, bottom: i.top });
  if (i.bottom < a.bottom) out.push({ left: a.left, top: i.bottom, right: a.right, bottom: a.bottom });
  if (i.left > a.left) out.push({ left: a.left, top: i.top, right: i.left, bottom: i.bottom });
  if (i.right < a.right) out.push({ left: i.right, top: i.top, right: a.right, bottom: i.bottom });
  return out;
}

/** Split a CSS list at top-level commas (not inside parentheses). */
export function splitTop(s: string, sep = ","): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    if (ch === sep && depth === 0) { out.push(cur.trim()); cur = ""; } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export interface Shadow { color: string; x: number; y: number; blur: number; spread: number; inset: boolean }

/** A computed `box-shadow` ("rgb(1, 2, 3) 0px -3px 0px 0px inset, …") as a list; "none" → []. */
export function parseShadows(css: string): Shadow[] {
  if (!css || css === "none") return [];
  return splitTop(css).map((part) => {
    const inset = /\binset\b/.test(part);
    let color = "";
    const rest = part.replace(/\binset\b/, "").replace(/(rgba?|color|hsla?|oklch|oklab|lab|lch)\([^)]*\)|#[0-9a-f]{3,8}\b/i, (m) => { color = m; return " "; });
    const nums = rest.split(/\s+/).filter(Boolean).map((t) => parseFloat(t));
    const words = rest.split(/\s+/).filter((t) => t && !Number.isFinite(parseFloat(t)));
    if (!color && words.length) color = words[0];
    const [x = 0, y = 0, blur = 0, spread = 0] = nums.filter((v) => Number.isFinite(v));
    return { color: color || "black", x, y, blur, spread, inset };
  });
}

/** Where a zero-blur box shadow paints, for a box `b`: the ring between the box and its copy
 *  shifted by (x, y) and grown (outer) or shrunk (inset) by `spread`. */
export function shadowRects(b: Rect, s: Shadow): Rect[] {
  if (s.inset) {
    const inner = { left: b.left + s.x + s.spread, top: b.top + s.y + s.spread, right: b.right + s.x - s.spread, bottom: b.bottom + s.y - s.spread };
    const kept = inner.right > inner.left && inner.bottom > inner.top ? intersect(inner, b) : null;
    return kept ? rectDiff(b, kept) : [b];
  }
  const outer = { left: b.left + s.x - s.spread, top: b.top + s.y - s.spread, right: b.right + s.x + s.spread, bottom: b.bottom + s.y + s.spread };
  return outer.right > outer.left && outer.bottom > outer.top ? rectDiff(outer, b) : [];
}

export interface Stop { color: string; pos: number | null; unit: "%" | "px" }
export interface Gradient { angle: number; repeating: boolean; stops: Stop[] }

const SIDES: Record<string, number> = { top: 0, right: 90, bottom: 180, left: 270 };

/** A `linear-gradient(…)` / `repeating-linear-gradient(…)` as angle (CSS degrees: 0 up, 90
 *  right) and colour stops (a stop with two positions becomes two stops). Null otherwise. */
export function parseGradient(css: string): Gradient | null {
  const m = /^(repeating-)?linear-gradient\((.*)\)$/i.exec(css.trim());
  if (!m) return null;
  const parts = splitTop(m[2]);
  let angle = 180;
  if (parts.length && /^(-?[\d.]+(deg|turn|rad|grad)|to\s)/i.test(parts[0])) {
    const a = parts.shift()!.toLowerCase();
    if (a.startsWith("to ")) {
      const ws = a.slice(3).split(/\s+/);
      if (ws.length === 1) angle = SIDES[ws[0]] ?? 180;
      else {
        const v = ws.includes("top") ? 0 : 180;
        const h = ws.includes("right") ? 90 : 270;
        angle = v === 0 ? (h === 90 ? 45 : 315) : (h === 90 ? 135 : 225);
      }
    } else {
      const v = parseFloat(a);
      angle = a.endsWith("turn") ? v * 360 : a.endsWith("grad") ? v * 0.9 : a.endsWith("rad") ? (v * 180) / Math.PI : v;
    }
  }
  const stops: Stop[] = [];
  for (const p of parts) {
    let color = "";
    const rest = p.replace(/^((rgba?|color|hsla?|oklch|oklab|lab|lch)\([^)]*\)|#[0-9a-f]{3,8}\b|[a-z]+)/i, (x) => { color = x; return ""; });
    const pos = rest.trim().split(/\s+/).filter(Boolean);
    if (!color) continue;
    if (!pos.length) stops.push({ color, pos: null, unit: "%" });
    for (const q of pos.slice(0, 2)) stops.push({ color, pos: parseFloat(q), unit: q.endsWith("px") ? "px" : "%" });
  }
  return stops.length ? { angle, repeating: !!m[1], stops } : null;
}

/** Stop offsets in [0, 1] of the gradient line (`length` px), CSS's rules: missing first/last
 *  positions are 0 and 100%, missing middle ones evenly spaced, never decreasing. */
export function stopOffsets(stops: Stop[], length: number): number[] {
  const n = stops.length;
  const at = stops.map((s) => (s.pos === null ? NaN : s.unit === "px" ? s.pos / Math.max(1e-9, length) : s.pos / 100));
  if (Number.isNaN(at[0])) at[0] = 0;
  if (Number.isNaN(at[n - 1])) at[n - 1] = 1;
  for (let i = 1; i < n; i++) if (!Number.isNaN(at[i]) && at[i] < at[i - 1]) at[i] = at[i - 1];
  for (let i = 1; i < n - 1; i++) {
    if (!Number.isNaN(at[i])) continue;
    let j = i;
    while (Number.isNaN(at[j])) j++;
    for (let k = i; k < j; k++) at[k] = at[i - 1] + ((at[j] - at[i - 1]) * (k - i + 1)) / (j - i + 1);
    i = j;
  }
  return at;
}

/** The CSS gradient line of a w × h box for `angle`: start and end points (box coordinates). */
export function gradientLine(angle: number, w: number, h: number): [number, number, number, number] {
  const t = (angle * Math.PI) / 180;
  const dx = Math.sin(t);
  const dy = -Math.cos(t);
  const len = Math.abs(w * dx) + Math.abs(h * dy);
  const cx = w / 2;
  const cy = h / 2;
  return [cx - (dx * len) / 2, cy - (dy * len) / 2, cx + (dx * len) / 2, cy + (dy * len) / 2];
}


export function r2(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** "#rrggbb" of an RGB(A) colour. */
export function hex(c: ArrayLike<number>): string {
  return "#" + [c[0], c[1], c[2]].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
}
