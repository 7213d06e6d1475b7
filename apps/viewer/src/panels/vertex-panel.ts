import { el, panel } from "./dom.js";
import { LogMapInset, type LogMapPoint } from "./log-map-inset.js";

/** The picked vertex: its numbers and the log map of its neighbourhood. */
export class VertexPanel {
  readonly element: HTMLElement;
  readonly inset: LogMapInset;
  private readonly readout: HTMLElement;

  constructor() {
    this.readout = el("div", {
      class: "readout",
      id: "vertex-info",
      text: "Click the mesh to pick a vertex.",
    });
    const canvas = el("canvas", {
      class: "inset",
      id: "log-map-inset",
      "aria-label": "Log map of the neighbourhood",
    });
    this.inset = new LogMapInset(canvas);
    this.element = panel("Picked vertex", "vertex-panel", [
      this.readout,
      canvas,
      el("p", {
        class: "hint",
        text:
          "Log map of the vertices within two edges, in the picked vertex's frame (e1 right, e2 up): " +
          "dots by projection (GEM-CNN), rings for the exact 1-ring. Shift-click a second vertex for a path.",
      }),
    ]);
  }

  show(text: string, points: readonly LogMapPoint[]): void {
    this.readout.textContent = text;
    this.inset.draw(points);
  }

  clear(): void {
    this.readout.textContent = "Click the mesh to pick a vertex.";
    this.inset.draw([]);
  }
}
