import { ViewerApp } from "./app.js";
import { installTestHook } from "./testing-hook.js";

const app = new ViewerApp(
  document.getElementById("sidebar")!,
  document.getElementById("viewport")!,
  document.getElementById("error-banner")!,
  document.getElementById("drop-overlay")!,
);
const first = app.builtinMeshNames()[0];
installTestHook(
  app,
  app.openBuiltin(first).then(() => (window.__gemcnnViewer ? window.__gemcnnViewer.nextFrame() : undefined)),
);
