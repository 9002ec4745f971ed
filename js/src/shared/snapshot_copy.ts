// Copies the SVG picture's DOM walk (snapshot.ts) works from: an inline <svg> with its
// computed styles written out as attributes, and ::before/::after made into real spans.

import { hex, r2, xmlText } from "./snapshot_css";
import { parseColor } from "./theme";

const NS = "http://www.w3.org/2000/svg";

const SVG_PROPS = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "stroke-linecap",
  "stroke-linejoin", "opacity", "font-family", "font-size", "font-weight", "font-style", "text-anchor",
  "dominant-baseline", "letter-spacing",
];
const COLOR_PROPS = new Set(["fill", "stroke"]);
/** Initial values: not written out (an absent attribute means the same). */
const SVG_DEFAULTS: Record<string, string> = {
  opacity: "1", "fill-opacity": "1", "stroke-opacity": "1", "stroke-linecap": "butt", "stroke-linejoin": "miter",
  "font-style": "normal", "font-weight": "400", "text-anchor": "start", "dominant-baseline": "auto",
  "stroke-dasharray": "none", "letter-spacing": "normal",
};

/** A copy of one SVG node with its computed presentation written as attributes. */
export function copySvgNode(src: Element): Element | null {
  if (!(src instanceof SVGElement)) return null;
  const cs = getComputedStyle(src);
  if (cs.display === "none" || cs.visibility === "hidden") return null;
  const out = document.createElementNS(NS, src.tagName);
  for (const a of Array.from(src.attributes)) {
    if (a.name === "class" || a.name === "style" || a.name.startsWith("data-") || a.name === "role" || a.name.startsWith("aria-") || a.name === "tabindex") continue;
    out.setAttribute(a.name, a.value);
  }
  for (const p of SVG_PROPS) {
    const v = cs.getPropertyValue(p).trim();
    if (!v || (SVG_DEFAULTS[p] === v && !src.hasAttribute(p))) continue;
    if (COLOR_PROPS.has(p)) {
      if (v === "none") { out.setAttribute(p, "none"); continue; }
      const c = parseColor(v);
      if (!c || c[3] < 0.003) { out.setAttribute(p, "none"); continue; }
      out.setAttribute(p, hex(c));
      if (c[3] < 0.999) out.setAttribute(`${p}-opacity`, r2(c[3] * (parseFloat(cs.getPropertyValue(`${p}-opacity`)) || 1)));
      continue;
    }
    if ((p === "fill-opacity" || p === "stroke-opacity") && out.hasAttribute(p)) continue;
    if (p === "stroke-dasharray") { out.setAttribute(p, v.replace(/px/g, "")); continue; }
    if (p === "font-size" || p === "stroke-width" || p === "letter-spacing") {
      const n = parseFloat(v);
      if (Number.isFinite(n)) out.setAttribute(p, r2(n));
      continue;
    }
    out.setAttribute(p, v);
  }
  if (src instanceof SVGCircleElement) {
    const r = parseFloat(cs.getPropertyValue("r"));
    if (Number.isFinite(r)) out.setAttribute("r", r2(r));
  }
  if (src instanceof SVGTextElement || src instanceof SVGTSpanElement) {
    const upper = cs.textTransform === "uppercase";
    for (const n of Array.from(src.childNodes)) {
      if (n.nodeType === 3) out.appendChild(document.createTextNode(xmlText(upper ? (n.textContent ?? "").toUpperCase() : n.textContent ?? "")));
      else if (n.nodeType === 1) { const c = copySvgNode(n as Element); if (c) out.appendChild(c); }
    }
    return out;
  }
  for (const n of Array.from(src.children)) {
    const c = copySvgNode(n);
    if (c) out.appendChild(c);
  }
  return out;
}

// ---- pseudo-elements: made real for the walk, then removed

const PSEUDO_HIDE = "iw-snap-hide";

/** Turn every ::before/::after with content under `root` into a real span with the same
 *  computed style (so the walk sees its box), hiding the pseudo-element meanwhile; returns
 *  the function that puts everything back. Token spans (the hot path) have none and are
 *  skipped. */
export function materializePseudo(root: HTMLElement, exclude: string): () => void {
  const made: HTMLElement[] = [];
  const hosts: Element[] = [];
  const style = document.createElement("style");
  style.textContent = `.${PSEUDO_HIDE}-before::before, .${PSEUDO_HIDE}-after::after { content: none !important; display: none !important; }`;
  const els = [root, ...Array.from(root.querySelectorAll<HTMLElement>("*:not(.iw-tok):not(.iw-block):not(option)"))];
  const found: [HTMLElement, "before" | "after", CSSStyleDeclaration][] = [];
  for (const el of els) {
    if (!(el instanceof HTMLElement) || el.closest(exclude)) continue;
    for (const which of ["before", "after"] as const) {
      const cs = getComputedStyle(el, `::${which}`);
      const content = cs.content;
      if (!content || content === "none" || content === "normal" || cs.display === "none") continue;
      found.push([el, which, cs]);
    }
  }
  for (const [el, which, cs] of found) {
    const span = document.createElement("span");
    span.setAttribute("aria-hidden", "true");
    span.dataset.iwPseudo = which;
    for (let i = 0; i < cs.length; i++) {
      const p = cs[i];
      if (p.startsWith("--")) continue;
      span.style.setProperty(p, cs.getPropertyValue(p));
    }
    span.style.setProperty("content", "normal");
    const m = /^"((?:[^"\\]|\\.)*)"$/.exec(cs.content);
    if (m) span.textContent = m[1].replace(/\\(.)/g, "$1");
    if (which === "before") el.insertBefore(span, el.firstChild);
    else el.appendChild(span);
    el.classList.add(`${PSEUDO_HIDE}-${which}`);
    made.push(span);
    hosts.push(el);
  }
  if (found.length) root.appendChild(style);
  return () => {
    for (const s of made) s.remove();
    for (const h of hosts) h.classList.remove(`${PSEUDO_HIDE}-before`, `${PSEUDO_HIDE}-after`);
    style.remove();
  };
}
