// Canvas helpers shared by widgets that draw dense things: devicePixelRatio-aware sizing,
// heatmaps painted straight into ImageData through a colour lookup table, text that fits.

export function pixelRatio(): number {
  const r = typeof window !== "undefined" ? window.devicePixelRatio : 1;
  return Number.isFinite(r) && r > 0 ? Math.min(4, r) : 1;
}

/** Size `canvas` to cssW × cssH css pixels backed by device pixels; returns its context with
 *  a transform so that drawing happens in css pixels (null where canvas is unsupported). */
export function fitCanvas(canvas: HTMLCanvasElement, cssW: number, cssH: number): CanvasRenderingContext2D | null {
  const r = pixelRatio();
  const w = Math.max(1, Math.round(cssW * r));
  const h = Math.max(1, Math.round(cssH * r));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  let ctx: CanvasRenderingContext2D | null = null;
  try { ctx = canvas.getContext("2d"); } catch { ctx = null; }
  if (!ctx || typeof ctx.setTransform !== "function") return null;
  ctx.setTransform(r, 0, 0, r, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  return ctx;
}

/** Fill `rgba` (width × rows pixels, 4 bytes each) at pixel (x0, y0) with a rows × cols matrix
 *  src[offset + r * stride + c] coloured through `lut` (RGB triples, `lutSize` colours on
 *  [0, vmax] then one for NaN). */
export function paintMatrix(
  rgba: Uint8ClampedArray, width: number, x0: number, y0: number,
  src: ArrayLike<number>, offset: number, rows: number, cols: number, stride: number,
  vmax: number, lut: Uint8Array, lutSize: number,
): void {
  const top = lutSize - 1;
  const k = vmax > 0 && Number.isFinite(vmax) ? top / vmax : 0;
  for (let r = 0; r < rows; r++) {
    let p = ((y0 + r) * width + x0) * 4;
    const base = offset + r * stride;
    for (let c = 0; c < cols; c++, p += 4) {
      const v = src[base + c];
      let q: number;
      if (v !== v) q = lutSize; // NaN
      else if (k === 0) q = v > 0 ? top : 0;
      else { q = Math.round(v * k); if (q < 0) q = 0; else if (q > top) q = top; }
      const l = q * 3;
      rgba[p] = lut[l];
      rgba[p + 1] = lut[l + 1];
      rgba[p + 2] = lut[l + 2];
      rgba[p + 3] = 255;
    }
  }
}

/** A canvas that is not in the document, for ImageData drawn later with drawImage. */
export function offscreen(width: number, height: number): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.width = Math.max(1, width);
  c.height = Math.max(1, height);
  return c;
}

/** Put a rows × cols matrix into a canvas of exactly that many pixels (one pixel per cell);
 *  returns the canvas, or null where canvas is unsupported. */
export function matrixImage(
  src: ArrayLike<number>, offset: number, rows: number, cols: number, stride: number,
  vmax: number, lut: Uint8Array, lutSize: number, reuse?: HTMLCanvasElement | null,
): HTMLCanvasElement | null {
  const c = reuse && reuse.width === cols && reuse.height === rows ? reuse : offscreen(cols, rows);
  let ctx: CanvasRenderingContext2D | null = null;
  try { ctx = c.getContext("2d"); } catch { ctx = null; }
  if (!ctx || typeof ctx.createImageData !== "function") return null;
  const img = ctx.createImageData(cols, rows);
  paintMatrix(img.data, cols, 0, 0, src, offset, rows, cols, stride, vmax, lut, lutSize);
  ctx.putImageData(img, 0, 0);
  return c;
}

/** `text` cut with an ellipsis so that it measures at most maxWidth in ctx's font. */
export function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  const chars = Array.from(text);
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(chars.slice(0, mid).join("") + "\u2026").width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? chars.slice(0, lo).join("") + "\u2026" : "";
}

/** A CSS custom property (or property) of `el` resolved to a colour string, with a fallback. */
export function cssColor(el: Element, name: string, fallback: string): string {
  try {
    const v = getComputedStyle(el).getPropertyValue(name).trim();
    return v || fallback;
  } catch {
    return fallback;
  }
}

/** The text scale of the widget `el` is in: the `--iw-scale` custom property (1, or 1.5 in
 *  presentation mode, see toolbar.ts); 1 when unset or not a positive number. */
export function uiScale(el: Element): number {
  let v = NaN;
  try { v = parseFloat(getComputedStyle(el).getPropertyValue("--iw-scale")); } catch { v = NaN; }
  return Number.isFinite(v) && v > 0 ? Math.min(4, v) : 1;
}

/** The font of `el` for canvas text at `size` css px times the widget's text scale
 *  (uiScale: bigger in presentation mode), in the ui font by default. */
export function canvasFont(el: Element, size: number, weight = "400", family = "--iw-ui-font"): string {
  const f = cssColor(el, family, "system-ui, sans-serif");
  return `${weight} ${Math.round(size * uiScale(el) * 10) / 10}px ${f}`;
}
