import type { FieldType } from "@gemcnn/gauge";
import { el, panel } from "./dom.js";

/** One class's probability, as the chart shows it. */
export interface ClassBar {
  readonly name: string;
  readonly probability: number;
}

/** Which channels of a classifier layer are drawn; −1 for none. */
export interface LayerChannelChoice {
  readonly layer: string;
  readonly scalar: number;
  readonly order1: number;
  readonly order2: number;
}

export interface ClassifierPanelHandlers {
  /** Files of a model directory, chosen in the input. */
  files(files: File[]): void;
  /** A model's URL, typed in. */
  url(url: string): void;
  /** A different layer or channel to draw. */
  channels(choice: LayerChannelChoice): void;
}

/**
 * A trained model: where it comes from (a chosen directory or a URL) and what it is; for a
 * classifier, its prediction for the open mesh as a bar chart of class probabilities, and the
 * choice of an intermediate layer's channels to draw on the mesh (a segmentation or
 * correspondence model shows its labels in the Per-vertex data panel).
 */
export class ClassifierPanel {
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly urlInput: HTMLInputElement;
  private readonly info: HTMLElement;
  private readonly status: HTMLElement;
  private readonly chart: HTMLElement;
  private readonly layerControls: HTMLElement;
  private readonly layer: HTMLSelectElement;
  private readonly scalar: HTMLSelectElement;
  private readonly order1: HTMLSelectElement;
  private readonly order2: HTMLSelectElement;
  private layerTypes = new Map<string, FieldType>();

  constructor(handlers: ClassifierPanelHandlers) {
    this.input = el("input", {
      type: "file",
      id: "classifier-files",
      multiple: true,
      webkitdirectory: true,
    });
    this.input.addEventListener("change", () => {
      const files = Array.from(this.input.files ?? []);
      this.input.value = "";
      if (files.length > 0) handlers.files(files);
    });
    this.urlInput = el("input", {
      type: "text",
      id: "classifier-url",
      placeholder: "model directory URL",
      "aria-label": "Model directory URL",
    });
    const loadUrl = el("button", { type: "button", id: "classifier-load-url", text: "Load" });
    loadUrl.addEventListener("click", () => handlers.url(this.urlInput.value));
    this.urlInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") handlers.url(this.urlInput.value);
    });
    this.info = el("div", { class: "readout", id: "classifier-info", text: "No classifier loaded." });
    this.status = el("div", { class: "readout", id: "classifier-status" });
    this.chart = el("div", { class: "class-chart", id: "classifier-chart", role: "list" });

    this.layer = el("select", { id: "classifier-layer", "aria-label": "Classifier layer" });
    this.scalar = el("select", { id: "classifier-scalar", "aria-label": "Scalar channel to colour by" });
    this.order1 = el("select", { id: "classifier-order1", "aria-label": "Order-1 channel to draw" });
    this.order2 = el("select", { id: "classifier-order2", "aria-label": "Order-2 channel to draw" });
    const changed = () =>
      handlers.channels({
        layer: this.layer.value,
        scalar: Number(this.scalar.value),
        order1: Number(this.order1.value),
        order2: Number(this.order2.value),
      });
    this.layer.addEventListener("change", () => {
      this.fillChannels(this.layer.value);
      changed();
    });
    for (const select of [this.scalar, this.order1, this.order2]) select.addEventListener("change", changed);
    this.layerControls = el("div", { id: "classifier-layers", hidden: true }, [
      el("label", {}, ["Layer ", this.layer]),
      el("label", {}, ["Colour ", this.scalar]),
      el("label", {}, ["Arrows ", this.order1]),
      el("label", {}, ["Crosses ", this.order2]),
    ]);

    this.element = panel("Trained model", "classifier-panel", [
      el("label", { for: "classifier-files" }, ["Model directory ", this.input]),
      el("div", { class: "url-row" }, [this.urlInput, loadUrl]),
      this.info,
      this.chart,
      this.status,
      this.layerControls,
    ]);
  }

  /** The model's description (or a loading / failed line). */
  showInfo(text: string): void {
    this.info.textContent = text;
  }

  /** The URL box's text (set when a model is loaded from the address's `?model=`). */
  setUrl(url: string): void {
    this.urlInput.value = url;
  }

  /**
   * The bar chart of class probabilities (in class order, the best one marked), and a status line
   * under it; `bars` undefined clears the chart, `error` marks the status as a problem.
   */
  showPrediction(bars: readonly ClassBar[] | undefined, status: string, error = false): void {
    this.chart.replaceChildren();
    this.status.textContent = status;
    this.status.classList.toggle("error", error);
    if (!bars) return;
    const best = bars.reduce((b, bar, i) => (bar.probability > bars[b].probability ? i : b), 0);
    bars.forEach((bar, i) => {
      const percent = 100 * bar.probability;
      this.chart.append(
        el(
          "div",
          { class: i === best ? "class-row best" : "class-row", role: "listitem", "data-class": bar.name },
          [
            el("span", { class: "class-name", text: bar.name }),
            el("span", { class: "class-bar" }, [
              el("span", { class: "class-fill", style: `width: ${percent.toFixed(2)}%` }),
            ]),
            el("span", { class: "class-value", text: `${percent.toFixed(1)}%` }),
          ],
        ),
      );
    });
  }

  /** The layers whose channels can be drawn (name → field type); an empty list hides the controls. */
  showLayers(layers: readonly { name: string; fieldType: FieldType }[]): void {
    this.layerTypes = new Map(layers.map((layer) => [layer.name, layer.fieldType]));
    this.layer.replaceChildren(
      ...layers.map((layer) =>
        el("option", { value: layer.name, text: `${layer.name} (${layer.fieldType})` }),
      ),
    );
    this.layerControls.hidden = layers.length === 0;
    if (layers.length > 0) this.fillChannels(layers[0].name);
  }

  /** Sets the controls to `choice` (without firing change events). */
  showChoice(choice: LayerChannelChoice): void {
    if (this.layer.value !== choice.layer) {
      this.layer.value = choice.layer;
      this.fillChannels(choice.layer);
    }
    this.scalar.value = String(choice.scalar);
    this.order1.value = String(choice.order1);
    this.order2.value = String(choice.order2);
  }

  private fillChannels(layer: string): void {
    const type = this.layerTypes.get(layer);
    const options = (order: number, what: string) => {
      const count = type?.multiplicityOf(order) ?? 0;
      return [
        el("option", { value: "-1", text: count === 0 ? `no ${what} channels` : "none" }),
        ...Array.from({ length: count }, (_, c) =>
          el("option", { value: String(c), text: `${what} channel ${c}` }),
        ),
      ];
    };
    this.scalar.replaceChildren(...options(0, "scalar"));
    this.order1.replaceChildren(...options(1, "order-1"));
    this.order2.replaceChildren(...options(2, "order-2"));
  }
}
