import { ViewerApp } from "./app.js";
import { installInspectionHook } from "./inspection-hook.js";

const app = new ViewerApp({
  sidebar: document.getElementById("sidebar")!,
  viewport: document.getElementById("viewport")!,
  inspector: document.getElementById("inspector")!,
  banner: document.getElementById("error-banner")!,
  dropOverlay: document.getElementById("drop-overlay")!,
});
const first = app.builtinMeshNames()[0];
const opened = app.openBuiltin(first);
installInspectionHook(
  app,
  opened.then(() => (window.__gemcnnViewer ? window.__gemcnnViewer.nextFrame() : undefined)),
);
// `?model=<url>` loads a trained classifier once the first mesh is open (see README).
const modelUrl = new URLSearchParams(window.location.search).get("model");
if (modelUrl) void opened.then(() => app.loadClassifierUrl(modelUrl));
