// A controllable IntersectionObserver for DOM tests (happy-dom never reports intersections).

export class FakeIntersectionObserver {
  static instances: FakeIntersectionObserver[] = [];
  readonly targets = new Set<Element>();
  readonly callback: IntersectionObserverCallback;
  readonly options: IntersectionObserverInit | undefined;
  disconnected = false;

  constructor(callback: IntersectionObserverCallback, options?: IntersectionObserverInit) {
    this.callback = callback;
    this.options = options;
    FakeIntersectionObserver.instances.push(this);
  }
  observe(el: Element) { this.targets.add(el); }
  unobserve(el: Element) { this.targets.delete(el); }
  disconnect() { this.targets.clear(); this.disconnected = true; }
  takeRecords() { return []; }

  /** Report every observed target, intersecting when `near(target, index)` says so. */
  fire(near: (el: Element, index: number) => boolean = () => true) {
    const entries = [...this.targets].map((target, i) => ({ target, isIntersecting: near(target, i) }) as IntersectionObserverEntry);
    this.callback(entries, this as unknown as IntersectionObserver);
  }

  static latest(): FakeIntersectionObserver {
    return FakeIntersectionObserver.instances[FakeIntersectionObserver.instances.length - 1];
  }
}
