import { cssColor, labelColor, UNLABELLED_COLOR } from "../fields/palette.js";
import type { TripleKind } from "../user-fields/field-file.js";
import { el, panel } from "./dom.js";

/**
 * What the surface shows of a per-vertex model: its predicted labels, the true ones, or where they
 * differ (segmentation: right or wrong; correspondence: the error as a heat map).
 */
export type PerVertexView = "predicted" | "true" | "error";

export interface VertexDataHandlers {
  /** Label or field files chosen for the open mesh. */
  files(files: File[]): void;
  view(view: PerVertexView): void;
  /** A field (or a pair's error) to colour by; "" for none. */
  fieldColor(choice: string): void;
  /** A tangent field (or a pair drawn together) to draw; "" for none. */
  fieldGlyph(choice: string): void;
  tripleKind(name: string, kind: TripleKind): void;
}

/** One option of the field selects: its value and what it says. */
export interface FieldOption {
  readonly value: string;
  readonly text: string;
}

/**
 * Per-vertex data of the open mesh: labels from a `.seg`/`.vseg` file and a per-vertex model's
 * prediction (with the view toggle, accuracy and the part legend), and a user's fields from a
 * field file (which to colour by, which to draw as arrows or crosses, and how each triple of
 * columns is read).
 */
export class VertexDataPanel {
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly view: HTMLSelectElement;
  private readonly status: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly fieldColor: HTMLSelectElement;
  private readonly fieldGlyph: HTMLSelectElement;
  private readonly triples: HTMLElement;
  private readonly fieldStatus: HTMLElement;
  private readonly handlers: VertexDataHandlers;

  constructor(handlers: VertexDataHandlers) {
    this.handlers = handlers;
    this.input = el("input", {
      type: "file",
      id: "vertex-data-files",
      multiple: true,
      accept: ".seg,.vseg,.csv,.json,.ply",
    });
    this.input.addEventListener("change", () => {
      const files = Array.from(this.input.files ?? []);
      this.input.value = "";
      if (files.length > 0) handlers.files(files);
    });
    this.view = el("select", { id: "pervertex-view", "aria-label": "Per-vertex view" }, [
      el("option", { value: "predicted", text: "predicted labels" }),
      el("option", { value: "true", text: "true labels" }),
      el("option", { value: "error", text: "error (wrong vertices / distance)" }),
    ]);
    this.view.addEventListener("change", () => handlers.view(this.view.value as PerVertexView));
    this.status = el("div", {
      class: "readout",
      id: "pervertex-status",
      text: "No labels or per-vertex model.",
    });
    this.legend = el("div", { class: "part-legend", id: "pervertex-legend" });
    this.fieldColor = el("select", { id: "field-color", "aria-label": "Field to colour by" });
    this.fieldGlyph = el("select", { id: "field-glyph", "aria-label": "Field to draw" });
    this.fieldColor.addEventListener("change", () => handlers.fieldColor(this.fieldColor.value));
    this.fieldGlyph.addEventListener("change", () => handlers.fieldGlyph(this.fieldGlyph.value));
    this.triples = el("div", { id: "field-triples" });
    this.fieldStatus = el("div", { class: "readout", id: "field-status", text: "No field file." });
    this.showFieldOptions([], []);
    this.element = panel("Per-vertex data", "vertex-data-panel", [
      el("label", { for: "vertex-data-files" }, ["Labels, fields ", this.input]),
      el("p", {
        class: "hint",
        text: "…or drop them on the view: .seg (per face), .vseg (per vertex), .csv, .fields.json, .ply",
      }),
      el("label", {}, ["Show ", this.view]),
      this.status,
      this.legend,
      el("label", {}, ["Colour ", this.fieldColor]),
      el("label", {}, ["Draw ", this.fieldGlyph]),
      this.triples,
      this.fieldStatus,
    ]);
  }

  showView(view: PerVertexView): void {
    this.view.value = view;
  }

  showStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle("error", error);
  }

  /** The part names with their colours (segmentation), a note (correspondence), or nothing. */
  showLegend(parts: readonly string[] | undefined, note?: string): void {
    this.legend.replaceChildren();
    if (note) this.legend.append(el("div", { class: "hint", text: note }));
    if (!parts) return;
    const row = (color: string, name: string) =>
      el("span", { class: "part", "data-part": name }, [
        el("span", { class: "swatch", style: `background: ${color}` }),
        name,
      ]);
    parts.forEach((name, k) => {
      this.legend.append(row(cssColor(labelColor(k)), name));
    });
    this.legend.append(row(cssColor(UNLABELLED_COLOR), "unlabelled"));
  }

  /** The choices of the field selects ("none" first), keeping the current ones where they remain. */
  showFieldOptions(color: readonly FieldOption[], glyph: readonly FieldOption[]): void {
    for (const [select, options] of [
      [this.fieldColor, color],
      [this.fieldGlyph, glyph],
    ] as const) {
      const current = select.value;
      select.replaceChildren(
        el("option", { value: "", text: options.length === 0 ? "no field" : "none" }),
        ...options.map((option) => el("option", { value: option.value, text: option.text })),
      );
      select.value = options.some((option) => option.value === current) ? current : "";
    }
  }

  showFieldChoice(color: string, glyph: string): void {
    this.fieldColor.value = color;
    this.fieldGlyph.value = glyph;
  }

  /** A select per triple of columns: vector (order 1) or line field (order 2). */
  showTriples(triples: readonly { name: string; kind: TripleKind }[]): void {
    this.triples.replaceChildren(
      ...triples.map(({ name, kind }) => {
        const select = el("select", { "data-triple": name, "aria-label": `How ${name} is read` }, [
          el("option", { value: "vector", text: "vector (order 1, arrows)" }),
          el("option", { value: "line", text: "line field (order 2, crosses)" }),
        ]);
        select.value = kind;
        select.addEventListener("change", () => this.handlers.tripleKind(name, select.value as TripleKind));
        return el("label", {}, [`${name}_x, _y, _z: `, select]);
      }),
    );
  }

  showFieldStatus(text: string, error = false): void {
    this.fieldStatus.textContent = text;
    this.fieldStatus.classList.toggle("error", error);
  }
}
