/** Installed as `window.__gemcnnViewer`; see the app's README ("Test hook"). */
export interface ViewerTestHook {
  /** True once the first mesh is open and drawn. */
  readonly ready: boolean;
  /** Frames drawn so far. */
  readonly framesRendered: number;
}

declare global {
  interface Window {
    __gemcnnViewer?: ViewerTestHook;
  }
}
