// The parts of anywidget's model interface the widgets use (also implemented by shim.ts).

export type Callback = (...args: any[]) => void;

/** anywidget's model. `AnyModel<NeuronTextState>` (states.ts, generated from the Python
 *  traits) types `get`/`set` by trait name, so a misspelt name fails tsc; plain `AnyModel`
 *  (shared modules that read only what every widget has) accepts any name. */
export interface AnyModel<S extends object = any> {
  get<K extends keyof S & string>(name: K): S[K];
  set<K extends keyof S & string>(name: K, value: S[K]): void;
  save_changes(): void;
  on(event: string, callback: Callback): void;
  off(event?: string | null, callback?: Callback | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

/** An event a model emits: `change:<trait>` (a trait of S), `change` (any), `msg:custom`. With a
 *  state type, a misspelt trait in `change:<trait>` fails tsc. */
export type ModelEvent<S extends object = any> = `change:${keyof S & string}` | "change" | "msg:custom";

export interface RenderProps { model: AnyModel; el: HTMLElement }
export interface WidgetModule {
  initialize?(props: { model: AnyModel }): unknown;
  render(props: RenderProps): unknown;
}
