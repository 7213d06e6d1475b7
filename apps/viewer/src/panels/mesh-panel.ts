import type { BuiltinMesh } from "../mesh-sources.js";
import { el, panel } from "./dom.js";

/** File name extensions the page can open. */
export const MESH_FILE_ACCEPT = ".obj,.off,.ply";

/** Choosing a mesh: the built-in list and a file input (drag and drop is handled by the app). */
export class MeshPanel {
  readonly element: HTMLElement;
  readonly select: HTMLSelectElement;
  readonly fileInput: HTMLInputElement;
  private readonly info: HTMLElement;

  constructor(
    meshes: readonly BuiltinMesh[],
    handlers: { builtin(name: string): void; files(files: File[]): void },
  ) {
    this.select = el(
      "select",
      { id: "mesh-select", "aria-label": "Built-in mesh" },
      meshes.map((mesh) => el("option", { value: mesh.name, title: mesh.description, text: mesh.name })),
    );
    this.select.addEventListener("change", () => handlers.builtin(this.select.value));
    this.fileInput = el("input", { type: "file", id: "mesh-file", accept: MESH_FILE_ACCEPT });
    this.fileInput.addEventListener("change", () => {
      const files = Array.from(this.fileInput.files ?? []);
      this.fileInput.value = "";
      if (files.length > 0) handlers.files(files);
    });
    this.info = el("div", { class: "readout", id: "mesh-info" });
    this.element = panel("Mesh", "mesh-panel", [
      this.select,
      el("label", { for: "mesh-file" }, ["Open file ", this.fileInput]),
      el("p", { class: "hint", text: "…or drop an OBJ, OFF or PLY file on the view." }),
      this.info,
    ]);
  }

  /** Shows which mesh is open; selects it in the list when it is a built-in one. */
  showOpened(name: string, summary: string): void {
    if (Array.from(this.select.options).some((option) => option.value === name)) this.select.value = name;
    this.info.textContent = `${name}\n${summary}`;
  }
}
