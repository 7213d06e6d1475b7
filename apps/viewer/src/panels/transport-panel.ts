import type { TransportMethod } from "@gemcnn/geometry";
import { el, panel } from "./dom.js";

/** Where the picked vector is carried: around the 1-ring loop, or along a path to a second vertex. */
export type TransportRoute = "loop" | "path";

export interface TransportSettings {
  /** Angle of the starting vector, counter-clockwise from the picked vertex's current `e1`, radians. */
  startAngle: number;
  route: TransportRoute;
  method: TransportMethod;
}

/** The starting vector points between e1 and e2 by default, so that it does not hide the frame's e1 arrow. */
export const DEFAULT_TRANSPORT: TransportSettings = {
  startAngle: Math.PI / 4,
  route: "loop",
  method: "levi-civita",
};

/** Parallel transport of a tangent vector at the picked vertex, with the holonomy readout. */
export class TransportPanel {
  readonly element: HTMLElement;
  private readonly angle: HTMLInputElement;
  private readonly route: HTMLSelectElement;
  private readonly method: HTMLSelectElement;
  private readonly readout: HTMLElement;

  constructor(initial: TransportSettings, onChange: (settings: TransportSettings) => void) {
    this.angle = el("input", {
      type: "range",
      id: "transport-angle",
      min: -180,
      max: 180,
      step: 1,
      value: Math.round((initial.startAngle * 180) / Math.PI),
      "aria-label": "Starting vector angle from e1, degrees",
    });
    this.route = el("select", { id: "transport-route", "aria-label": "Route" }, [
      el("option", { value: "loop", text: "around the 1-ring loop" }),
      el("option", { value: "path", text: "along the path to the shift-clicked vertex" }),
    ]);
    this.method = el("select", { id: "transport-method", "aria-label": "Transport" }, [
      el("option", { value: "levi-civita", text: "Levi-Civita along edges (intrinsic)" }),
      el("option", { value: "normal-rotation", text: "normal rotation (GEM-CNN)" }),
    ]);
    this.route.value = initial.route;
    this.method.value = initial.method;
    this.readout = el("div", { class: "readout", id: "transport-info" });
    const read = (): TransportSettings => ({
      startAngle: (Number(this.angle.value) * Math.PI) / 180,
      route: this.route.value as TransportRoute,
      method: this.method.value as TransportMethod,
    });
    for (const control of [this.angle, this.route, this.method]) {
      control.addEventListener("input", () => onChange(read()));
    }
    this.element = panel("Parallel transport", "transport-panel", [
      el("label", {}, ["vector angle ", this.angle]),
      this.route,
      this.method,
      this.readout,
    ]);
  }

  /** Sets the controls to `settings` (without firing events). */
  show(settings: TransportSettings): void {
    this.angle.value = String(Math.round((settings.startAngle * 180) / Math.PI));
    this.route.value = settings.route;
    this.method.value = settings.method;
  }

  showResult(text: string): void {
    this.readout.textContent = text;
  }
}
