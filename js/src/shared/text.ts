// The token strip every text widget reuses: the original text, coloured token by token.
//
// The text is split into blocks of ~2000 characters at token boundaries. A block first holds
// its raw text as one text node (cheap even for a 1,000,000-character text, and layout is
// already right); when it comes near the visible part of the scrolling container it is
// materialized into one span.iw-tok per token. Colours are applied to visible blocks at once
// and to the others when they scroll into view.

/** Map a text's code-point offsets (Python string indices) to UTF-16 offsets (JS indices).
 *  `offsets` is any flat list of code-point positions; out-of-range ones are clamped. */
export function codePointsToUtf16(text: string, offsets: ArrayLike<number>): Int32Array {
  const out = new Int32Array(offsets.length);
  if (!/[\uD800-\uDFFF]/.test(text)) {
    const n = text.length;
    for (let i = 0; i < offsets.length; i++) out[i] = Math.max(0, Math.min(n, offsets[i] | 0));
    return out;
  }
  // cp -> utf16 table, one entry per code point (+1 for the end).
  const table = new Int32Array(text.length + 1);
  let cp = 0;
  for (let u = 0; u < text.length; u++) {
    table[cp++] = u;
    const c = text.charCodeAt(u);
    if (c >= 0xd800 && c <= 0xdbff && u + 1 < text.length) {
      const d = text.charCodeAt(u + 1);
      if (d >= 0xdc00 && d <= 0xdfff) u++;
    }
  }
  table[cp] = text.length;
  for (let i = 0; i < offsets.length; i++) out[i] = table[Math.max(0, Math.min(cp, offsets[i] | 0))];
  return out;
}

/** Number of code points in `text` (Python's len). */
export function codePointLength(text: string): number {
  let n = text.length;
  for (let u = 0; u < text.length - 1; u++) {
    const c = text.charCodeAt(u);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(u + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { n--; u++; }
    }
  }
  return n;
}

/** The visible pieces of the tokens, in text order: token `tok[k]` shows text[start[k], end[k]).
 *  Empty tokens (special tokens, which cover no text) are skipped; characters an earlier token
 *  already covers are not repeated. A token all of whose characters an earlier token shows
 *  (byte-level BPE splits one emoji into several tokens with the same offsets; offsets out of
 *  order) still gets a piece: an empty one (start = end) where the text has got to, drawn as
 *  a small marker, so every token that covers text is drawn and can be hovered. */
export interface Segments { tok: Int32Array; start: Int32Array; end: Int32Array; length: number }

export function tokenSegments(u16: ArrayLike<number>): Segments {
  const n = u16.length >> 1;
  const tok = new Int32Array(n);
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  let m = 0;
  let covered = 0;
  for (let i = 0; i < n; i++) {
    const e = u16[2 * i + 1];
    if (e <= u16[2 * i]) continue;
    const s = Math.max(u16[2 * i], covered);
    if (e <= s) { tok[m] = i; start[m] = covered; end[m] = covered; m++; continue; }
    tok[m] = i; start[m] = s; end[m] = e; m++;
    covered = e;
  }
  return { tok: tok.subarray(0, m), start: start.subarray(0, m), end: end.subarray(0, m), length: m };
}

export interface Block { start: number; end: number; segFrom: number; segTo: number }

/** Split text[0, length) into blocks of about `size` UTF-16 units, never inside a token or
 *  a surrogate pair, preferring to end just after a newline in the block's second half. */
export function splitBlocks(text: string, seg: Segments, size = 2000): Block[] {
  const blocks: Block[] = [];
  const len = text.length;
  let start = 0;
  let k = 0; // first segment not yet assigned to a block
  while (start < len) {
    let cut = start + size;
    if (cut >= len) cut = len;
    else {
      const nl = text.lastIndexOf("\n", cut - 1);
      if (nl >= start + size / 2) cut = nl + 1;
      // Never inside a token: move to the end of the token covering `cut`.
      let j = k;
      while (j < seg.length && seg.end[j] <= cut) j++;
      if (j < seg.length && seg.start[j] < cut) cut = seg.end[j];
      // Never between the halves of a surrogate pair.
      const c = text.charCodeAt(cut);
      if (cut < len && c >= 0xdc00 && c <= 0xdfff) cut++;
    }
    const segFrom = k;
    while (k < seg.length && seg.end[k] <= cut) k++;
    blocks.push({ start, end: cut, segFrom, segTo: k });
    start = cut;
  }
  return blocks;
}

/** Colours one token span; `i` is the token index. */
export type Colorer = (span: HTMLElement, i: number) => void;

interface BlockState extends Block {
  el: HTMLElement;
  spans: HTMLElement[] | null; // null until materialized
  near: boolean;
  painted: number; // generation of the colorer last applied
}

export interface StripOptions { blockSize?: number; rootMargin?: string }

export class TokenStrip {
  readonly container: HTMLElement;
  text = "";
  /** UTF-16 [start, end) of token i at [2i, 2i+1]; code-point offsets as given at [2i, 2i+1]. */
  u16: Int32Array = new Int32Array(0);
  cp: Int32Array = new Int32Array(0);
  private blocks: BlockState[] = [];
  private byEl = new Map<Element, BlockState>();
  private observer: IntersectionObserver | null = null;
  private seen = false; // the observer has reported at least once
  private colorer: Colorer | null = null;
  private generation = 0;
  private waiters: { gen: number; resolve: (done: boolean) => void }[] = [];
  private readonly opts: Required<StripOptions>;

  constructor(container: HTMLElement, opts: StripOptions = {}) {
    this.container = container;
    this.opts = { blockSize: opts.blockSize ?? 2000, rootMargin: opts.rootMargin ?? "300px 0px" };
  }

  /** Show `text` with tokens at code-point offsets `offsets` (flat [s0, e0, s1, e1, ...]). */
  setText(text: string, offsets: ArrayLike<number>): void {
    this.disconnect();
    this.text = text;
    this.cp = Int32Array.from(offsets as ArrayLike<number>);
    this.u16 = codePointsToUtf16(text, this.cp);
    const seg = tokenSegments(this.u16);
    this.segments = seg;
    const frag = document.createDocumentFragment();
    this.blocks = splitBlocks(text, seg, this.opts.blockSize).map((b) => {
      const el = document.createElement("span");
      el.className = "iw-block";
      el.appendChild(document.createTextNode(text.slice(b.start, b.end)));
      frag.appendChild(el);
      return { ...b, el, spans: null, near: false, painted: -1 };
    });
    this.container.replaceChildren(frag);
    this.byEl = new Map(this.blocks.map((b) => [b.el, b]));
    this.seen = false;
    if (typeof IntersectionObserver === "undefined") {
      for (const b of this.blocks) b.near = true; // no observer: treat everything as visible
      this.seen = true;
      return;
    }
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), {
      root: this.container,
      rootMargin: this.opts.rootMargin,
    });
    for (const b of this.blocks) this.observer.observe(b.el);
  }

  segments: Segments = { tok: new Int32Array(0), start: new Int32Array(0), end: new Int32Array(0), length: 0 };

  get tokenCount(): number { return this.cp.length >> 1; }
  get blockCount(): number { return this.blocks.length; }

  /** The token span at or around an event target (element or text node), or null. */
  spanAt(target: EventTarget | null): HTMLElement | null {
    const node = target instanceof Node ? target : null;
    const start = node && node.nodeType !== 1 ? node.parentElement : (node as Element | null);
    const el = start ? (start.closest(".iw-tok") as HTMLElement | null) : null;
    return el && this.container.contains(el) ? el : null;
  }

  /** Token index of the span at or around `target`, or -1. */
  tokenAt(target: EventTarget | null): number {
    const el = this.spanAt(target);
    const i = el ? Number(el.dataset.i) : NaN;
    return Number.isInteger(i) ? i : -1;
  }

  /** UTF-16 offset into `text` of the DOM boundary point (node, offset), e.g. one end of a
   *  selection Range; -1 when the point is not inside the container. */
  offsetOf(node: Node, offset: number): number {
    if (node === this.container) {
      return offset < this.blocks.length ? this.blocks[offset].start : this.text.length;
    }
    if (!this.container.contains(node)) return -1;
    const start = node.nodeType === 1 ? (node as Element) : node.parentElement;
    const blockEl = start?.closest(".iw-block");
    const b = blockEl ? this.byEl.get(blockEl) : undefined;
    if (!b) return -1;
    // Only this block's text is measured (about blockSize characters), never the whole text.
    const range = document.createRange();
    range.setStart(b.el, 0);
    range.setEnd(node, offset);
    return Math.min(b.end, b.start + range.toString().length);
  }

  /** The span of token i if its block is materialized. */
  spanOf(i: number): HTMLElement | null {
    return this.container.querySelector(`.iw-tok[data-i="${i | 0}"]`);
  }

  /** Text of token i (its full [start, end) range, overlaps included). */
  tokenText(i: number): string {
    return this.text.slice(this.u16[2 * i], this.u16[2 * i + 1]);
  }

  /** Apply `colorer` to visible blocks now and to the others as they come into view.
   *  Resolves true once the visible blocks carry these colours, false if superseded. */
  paint(colorer: Colorer): Promise<boolean> {
    this.colorer = colorer;
    const gen = ++this.generation;
    for (const b of this.blocks) if (b.near) this.show(b);
    return new Promise((resolve) => {
      for (const w of this.waiters) w.resolve(false);
      this.waiters = [{ gen, resolve }];
      this.settle();
    });
  }

  private settle(): void {
    const ready = this.seen && (this.blocks.length === 0 || this.blocks.some((b) => b.near));
    if (!ready) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(w.gen === this.generation);
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      const b = this.byEl.get(e.target);
      if (b) b.near = e.isIntersecting;
    }
    this.seen = true;
    for (const e of entries) {
      const b = this.byEl.get(e.target);
      if (b && b.near) this.show(b);
    }
    this.settle();
  }

  /** Materialize block b if needed and bring its colours up to date. */
  private show(b: BlockState): void {
    if (!b.spans) this.materialize(b);
    if (this.colorer && b.painted !== this.generation) {
      const colorer = this.colorer;
      const tok = this.segments.tok;
      const spans = b.spans!;
      for (let k = 0; k < spans.length; k++) colorer(spans[k], tok[b.segFrom + k]);
      b.painted = this.generation;
    }
  }

  private materialize(b: BlockState): void {
    const { text } = this;
    const { tok, start, end } = this.segments;
    const frag = document.createDocumentFragment();
    const spans: HTMLElement[] = [];
    let pos = b.start;
    for (let k = b.segFrom; k < b.segTo; k++) {
      if (start[k] > pos) frag.appendChild(document.createTextNode(text.slice(pos, start[k])));
      const span = document.createElement("span");
      span.className = start[k] === end[k] ? "iw-tok iw-shared" : "iw-tok";
      span.dataset.i = String(tok[k]);
      span.textContent = text.slice(start[k], end[k]);
      frag.appendChild(span);
      spans.push(span);
      pos = end[k];
    }
    if (pos < b.end) frag.appendChild(document.createTextNode(text.slice(pos, b.end)));
    b.el.replaceChildren(frag);
    b.el.classList.add("iw-materialized");
    b.spans = spans;
  }

  /** Materialize and paint every block (for export to static formats and for tests). */
  showAll(): void {
    for (const b of this.blocks) this.show(b);
  }

  private disconnect(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  destroy(): void {
    this.disconnect();
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
    this.colorer = null;
  }
}
