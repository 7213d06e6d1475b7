import { type ColormapKind, cssGradient } from "../fields/colormap.js";
import { checkbox, el, panel } from "./dom.js";

/** What the surface is coloured by. */
export type SurfaceColoring = "plain" | "curvature" | "angle-defect";

/** Which demonstration fields are drawn: as given, or after one transport-mean layer. */
export type FieldSource = "input" | "layer";

export interface DisplaySettings {
  coloring: SurfaceColoring;
  showFrames: boolean;
  showOrder1: boolean;
  showOrder2: boolean;
  fieldSource: FieldSource;
}

export const DEFAULT_DISPLAY: DisplaySettings = {
  coloring: "plain",
  showFrames: false,
  showOrder1: true,
  showOrder2: false,
  fieldSource: "input",
};

/** Toggles for what is drawn, and the colour legend. */
export class DisplayPanel {
  readonly element: HTMLElement;
  private readonly coloring: HTMLSelectElement;
  private readonly frames: HTMLInputElement;
  private readonly order1: HTMLInputElement;
  private readonly order2: HTMLInputElement;
  private readonly source: HTMLSelectElement;
  private readonly legend: HTMLElement;

  constructor(initial: DisplaySettings, onChange: (settings: DisplaySettings) => void) {
    this.coloring = el("select", { id: "coloring", "aria-label": "Surface colour" }, [
      el("option", { value: "plain", text: "plain" }),
      el("option", { value: "curvature", text: "Gaussian curvature (angle defect / area)" }),
      el("option", { value: "angle-defect", text: "angle defect" }),
    ]);
    const frames = checkbox("show-frames", "tangent frames (e1 red, e2 green)", initial.showFrames);
    const order1 = checkbox("show-order1", "order-1 field (arrows)", initial.showOrder1);
    const order2 = checkbox("show-order2", "order-2 field (crosses)", initial.showOrder2);
    this.frames = frames.input;
    this.order1 = order1.input;
    this.order2 = order2.input;
    this.source = el("select", { id: "field-source", "aria-label": "Fields" }, [
      el("option", { value: "input", text: "fields: tangential parts of fixed directions" }),
      el("option", { value: "layer", text: "fields: after one transport-mean layer" }),
    ]);
    this.legend = el("div", { id: "legend" });
    this.coloring.value = initial.coloring;
    this.source.value = initial.fieldSource;
    const read = (): DisplaySettings => ({
      coloring: this.coloring.value as SurfaceColoring,
      showFrames: this.frames.checked,
      showOrder1: this.order1.checked,
      showOrder2: this.order2.checked,
      fieldSource: this.source.value as FieldSource,
    });
    for (const control of [this.coloring, this.frames, this.order1, this.order2, this.source]) {
      control.addEventListener("change", () => onChange(read()));
    }
    this.element = panel("Display", "display-panel", [
      el("label", {}, ["Colour ", this.coloring]),
      this.legend,
      frames.label,
      order1.label,
      order2.label,
      this.source,
    ]);
  }

  /** Sets the controls to `settings` (without firing change events). */
  show(settings: DisplaySettings): void {
    this.coloring.value = settings.coloring;
    this.frames.checked = settings.showFrames;
    this.order1.checked = settings.showOrder1;
    this.order2.checked = settings.showOrder2;
    this.source.value = settings.fieldSource;
  }

  /** The colour legend, or none. */
  showLegend(legend: { kind: ColormapKind; min: number; max: number; unit: string } | undefined): void {
    this.legend.replaceChildren();
    if (!legend) return;
    this.legend.append(
      el("div", { class: "legend-bar", style: `background: ${cssGradient(legend.kind)}` }),
      el("div", { class: "legend" }, [
        el("span", { text: legend.min.toPrecision(3) }),
        el("span", { text: legend.unit }),
        el("span", { text: legend.max.toPrecision(3) }),
      ]),
    );
  }
}
