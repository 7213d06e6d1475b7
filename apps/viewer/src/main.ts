import { ViewerApp } from "./app.js";
import { installTestHook } from "./testing-hook.js";

const app = new ViewerApp({
  sidebar: document.getElementById("sidebar")!,
  viewport: document.getElementById("viewport")!,
  inspector: document.getElementById("inspector")!,
  banner: document.getElementById("error-banner")!,
  dropOverlay: document.getElementById("drop-overlay")!,
});
const first = app.builtinMeshNames()[0];
installTestHook(
  app,
  app.openBuiltin(first).then(() => (window.__gemcnnViewer ? window.__gemcnnViewer.nextFrame() : undefined)),
);
