import { el, panel } from "./dom.js";

/**
 * Loading a trained classifier saved by the command line (a model directory: `model.json` and its
 * weight files). Predicting needs `@gemcnn/nn` in the page, which is not merged yet: the panel
 * reads and checks the directory and says so.
 */
export class ModelPanel {
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly readout: HTMLElement;

  constructor(onFiles: (files: File[]) => void) {
    this.input = el("input", { type: "file", id: "model-files", multiple: true, webkitdirectory: true });
    this.input.addEventListener("change", () => {
      const files = Array.from(this.input.files ?? []);
      this.input.value = "";
      if (files.length > 0) onFiles(files);
    });
    this.readout = el("div", { class: "readout", id: "model-info", text: "No model loaded." });
    this.element = panel("Classifier", "model-panel", [
      el("label", { for: "model-files" }, ["Model directory ", this.input]),
      this.readout,
    ]);
  }

  show(text: string): void {
    this.readout.textContent = text;
  }
}
