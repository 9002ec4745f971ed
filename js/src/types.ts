// The parts of anywidget's model interface the widgets use (also implemented by shim.ts).

export type Callback = (...args: any[]) => void;

export interface AnyModel {
  get(name: string): any;
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, callback: Callback): void;
  off(event?: string | null, callback?: Callback | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

export interface RenderProps { model: AnyModel; el: HTMLElement }
export interface WidgetModule {
  initialize?(props: { model: AnyModel }): unknown;
  render(props: RenderProps): unknown;
}
