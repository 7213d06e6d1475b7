import { type ColormapKind, cssGradient } from "../fields/colormap.js";
import { checkbox, el, panel } from "./dom.js";

/**
 * What the surface is coloured by: plain, curvature, one scalar channel of the random network, or
 * the scalar channel of a trained classifier's layer chosen in the Classifier panel.
 */
export type SurfaceColoring =
  | "plain"
  | "curvature"
  | "angle-defect"
  | "network-0"
  | "network-1"
  | "network-2"
  | "classifier"
  | "per-vertex"
  | "user-field";

/**
 * Which fields are drawn: the demonstration fields as given, after one transport-mean layer, the
 * random network's output channels (`channel` picks which copy of each order), or the channels of
 * a trained classifier's layer chosen in the Classifier panel.
 */
export type FieldSource = "input" | "layer" | "network" | "classifier" | "user";

export interface DisplaySettings {
  coloring: SurfaceColoring;
  showFrames: boolean;
  showOrder1: boolean;
  showOrder2: boolean;
  fieldSource: FieldSource;
  /** Which network channel of each order is drawn (0 or 1). */
  channel: number;
}

export const DEFAULT_DISPLAY: DisplaySettings = {
  coloring: "plain",
  showFrames: false,
  showOrder1: true,
  showOrder2: false,
  fieldSource: "input",
  channel: 0,
};

/** Toggles for what is drawn, and the colour legend. */
export class DisplayPanel {
  readonly element: HTMLElement;
  private readonly coloring: HTMLSelectElement;
  private readonly frames: HTMLInputElement;
  private readonly order1: HTMLInputElement;
  private readonly order2: HTMLInputElement;
  private readonly source: HTMLSelectElement;
  private readonly channel: HTMLSelectElement;
  private readonly legend: HTMLElement;
  private readonly networkStatus: HTMLElement;

  constructor(initial: DisplaySettings, onChange: (settings: DisplaySettings) => void) {
    this.coloring = el("select", { id: "coloring", "aria-label": "Surface colour" }, [
      el("option", { value: "plain", text: "plain" }),
      el("option", { value: "curvature", text: "Gaussian curvature (angle defect / area)" }),
      el("option", { value: "angle-defect", text: "angle defect" }),
      el("option", { value: "network-0", text: "network scalar channel 0" }),
      el("option", { value: "network-1", text: "network scalar channel 1" }),
      el("option", { value: "network-2", text: "network scalar channel 2" }),
      el("option", { value: "classifier", text: "classifier layer: scalar channel", disabled: true }),
      el("option", { value: "per-vertex", text: "per-vertex labels (see Per-vertex data)", disabled: true }),
      el("option", { value: "user-field", text: "field from a file (see Per-vertex data)", disabled: true }),
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
      el("option", { value: "network", text: "fields: network output channels" }),
      el("option", { value: "classifier", text: "fields: classifier layer channels", disabled: true }),
      el("option", { value: "user", text: "fields: from a field file", disabled: true }),
    ]);
    this.channel = el("select", { id: "network-channel", "aria-label": "Network channel" }, [
      el("option", { value: "0", text: "network channel 0 of each order" }),
      el("option", { value: "1", text: "network channel 1 of each order" }),
    ]);
    this.legend = el("div", { id: "legend" });
    this.networkStatus = el("div", { class: "readout", id: "network-status" });
    this.coloring.value = initial.coloring;
    this.source.value = initial.fieldSource;
    this.channel.value = String(initial.channel);
    this.channel.hidden = initial.fieldSource !== "network";
    const read = (): DisplaySettings => ({
      coloring: this.coloring.value as SurfaceColoring,
      showFrames: this.frames.checked,
      showOrder1: this.order1.checked,
      showOrder2: this.order2.checked,
      fieldSource: this.source.value as FieldSource,
      channel: Number(this.channel.value),
    });
    for (const control of [this.coloring, this.frames, this.order1, this.order2, this.source, this.channel]) {
      control.addEventListener("change", () => {
        this.channel.hidden = this.source.value !== "network";
        onChange(read());
      });
    }
    this.element = panel("Display", "display-panel", [
      el("label", {}, ["Colour ", this.coloring]),
      this.legend,
      frames.label,
      order1.label,
      order2.label,
      this.source,
      this.channel,
      this.networkStatus,
    ]);
  }

  /** Enables the choices that draw a trained classifier's layer (once one is loaded). */
  setClassifierAvailable(available: boolean): void {
    for (const select of [this.coloring, this.source]) {
      const option = select.querySelector<HTMLOptionElement>('option[value="classifier"]');
      if (option) option.disabled = !available;
    }
  }

  /** Enables or disables one choice of the colour select (`per-vertex`, `user-field`) or of the field source (`user`). */
  setAvailable(choice: "per-vertex" | "user-field" | "user", available: boolean): void {
    const select = choice === "user" ? this.source : this.coloring;
    const option = select.querySelector<HTMLOptionElement>(`option[value="${choice}"]`);
    if (option) option.disabled = !available;
  }

  /** One line about the network (what it is, or that it is loading). */
  showNetworkStatus(text: string): void {
    this.networkStatus.textContent = text;
  }

  /** Sets the controls to `settings` (without firing change events). */
  show(settings: DisplaySettings): void {
    this.coloring.value = settings.coloring;
    this.frames.checked = settings.showFrames;
    this.order1.checked = settings.showOrder1;
    this.order2.checked = settings.showOrder2;
    this.source.value = settings.fieldSource;
    this.channel.value = String(settings.channel);
    this.channel.hidden = settings.fieldSource !== "network";
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
