import type { FieldType } from "@gemcnn/gauge";
import { MeshError, repairMesh, type TriangleMeshData, validateMesh, wrapAngle } from "@gemcnn/geometry";
import { MODEL_JSON } from "@gemcnn/nn/file-names";
import { type BufferGeometry, Mesh, MeshBasicMaterial, SphereGeometry, Vector3 } from "three";
import { ClassifierHost } from "./classifier/classifier-host.js";
import { scalarChannel, tangentChannel } from "./classifier/layer-channels.js";
import { fileListSource, ModelFilesError, urlSource } from "./classifier/model-files.js";
import { type ColormapKind, colorize, colorRange } from "./fields/colormap.js";
import { describeLoadError, parseMeshFile } from "./load-mesh-file.js";
import { builtinMeshes, findBuiltinMesh } from "./mesh-sources.js";
import type { TangentField } from "./model/fields.js";
import type { GaugeChangeOptions } from "./model/mesh-model.js";
import { MeshModel } from "./model/mesh-model.js";
import {
  type HolonomyResult,
  holonomyAroundOneRing,
  shortestEdgePath,
  type TransportedVector,
  transportAlongPath,
} from "./model/transport-demo.js";
import { NetworkHost } from "./network/network-host.js";
import { ClassifierPanel, type LayerChannelChoice } from "./panels/classifier-panel.js";
import { DEFAULT_DISPLAY, DisplayPanel, type DisplaySettings } from "./panels/display-panel.js";
import { el } from "./panels/dom.js";
import { ErrorBanner } from "./panels/error-banner.js";
import { GaugePanel } from "./panels/gauge-panel.js";
import { MeshPanel } from "./panels/mesh-panel.js";
import { DEFAULT_TRANSPORT, TransportPanel, type TransportSettings } from "./panels/transport-panel.js";
import { VertexPanel } from "./panels/vertex-panel.js";
import { GlyphLayer } from "./scene/glyphs.js";
import { clearVertexColors, meshBufferGeometry, setVertexColors, surfaceMesh } from "./scene/mesh-object.js";
import {
  frameSegments,
  order1Segments,
  order2Segments,
  pickedFrameSegments,
  type Segments,
  transportSegments,
} from "./scene/overlays.js";
import { Stage } from "./scene/stage.js";

/** Names of the glyph layers, as the test hook reports them. */
export type GlyphLayerName = "frames" | "picked-frame" | "order1" | "order2" | "transport";

/** A click that moves the pointer less than this (CSS pixels) picks; more is an orbit drag. */
const CLICK_TOLERANCE = 5;

const fmt = (x: number, digits = 4) => (Math.abs(x) < 1e-12 ? "0" : x.toFixed(digits));
const vec = (a: ArrayLike<number>, i: number) =>
  `(${fmt(a[3 * i], 3)}, ${fmt(a[3 * i + 1], 3)}, ${fmt(a[3 * i + 2], 3)})`;
const degrees = (radians: number) => `${((radians * 180) / Math.PI).toFixed(2)}°`;

/**
 * The page: one open mesh (a `MeshModel`), the 3D stage with its glyph layers, and the sidebar
 * panels. Every user action goes through a method here, and every failure ends up in the error
 * banner without stopping the page.
 */
export class ViewerApp {
  readonly stage: Stage;
  readonly banner: ErrorBanner;
  model: MeshModel | undefined;
  picked: number | null = null;
  pathTarget: number | null = null;
  display: DisplaySettings = { ...DEFAULT_DISPLAY };
  transport: TransportSettings = { ...DEFAULT_TRANSPORT };
  /** The last transport shown (a loop's holonomy or a path), or null. */
  lastTransport: HolonomyResult | TransportedVector | null = null;
  readonly layers: Record<GlyphLayerName, GlyphLayer>;

  private surface: Mesh | undefined;
  private readonly marker: Mesh;
  private readonly meshPanel: MeshPanel;
  private readonly displayPanel: DisplayPanel;
  private readonly gaugePanel: GaugePanel;
  readonly vertexPanel: VertexPanel;
  private readonly transportPanel: TransportPanel;
  private readonly classifierPanel: ClassifierPanel;
  private gaugeSeed = 1;
  /** The network, loaded on first use. */
  readonly network: NetworkHost;
  /** The trained classifier, once one is loaded. */
  readonly classifier = new ClassifierHost();
  /** Which channels of which classifier layer are drawn (−1: none). */
  classifierChoice: LayerChannelChoice = { layer: "", scalar: -1, order1: -1, order2: -1 };
  /** True while a prediction is waiting for the next frame. */
  private predictionPending = false;

  constructor(elements: {
    sidebar: HTMLElement;
    viewport: HTMLElement;
    inspector: HTMLElement;
    banner: HTMLElement;
    dropOverlay: HTMLElement;
  }) {
    const { sidebar, viewport, inspector, dropOverlay } = elements;
    this.stage = new Stage(viewport);
    this.banner = new ErrorBanner(elements.banner);
    this.layers = {
      frames: new GlyphLayer("frames"),
      "picked-frame": new GlyphLayer("picked-frame"),
      order1: new GlyphLayer("order1"),
      order2: new GlyphLayer("order2"),
      transport: new GlyphLayer("transport"),
    };
    for (const layer of Object.values(this.layers)) this.stage.scene.add(layer.object);
    // The picked frame is drawn last so that nothing at the vertex covers it.
    this.layers["picked-frame"].object.renderOrder = 2;
    this.marker = new Mesh(new SphereGeometry(1, 16, 12), new MeshBasicMaterial({ color: 0xffffff }));
    this.marker.visible = false;
    this.stage.scene.add(this.marker);

    this.meshPanel = new MeshPanel(builtinMeshes(), {
      builtin: (name) => void this.openBuiltin(name),
      files: (files) => void this.openFiles(files),
    });
    this.displayPanel = new DisplayPanel(this.display, (settings) => this.setDisplay(settings));
    this.gaugePanel = new GaugePanel({
      scramble: () => this.scrambleGauge(),
      reset: () => this.resetGauge(),
    });
    this.vertexPanel = new VertexPanel();
    this.transportPanel = new TransportPanel(this.transport, (settings) => this.setTransport(settings));
    this.classifierPanel = new ClassifierPanel({
      files: (files) => void this.loadClassifierFiles(files),
      url: (url) => void this.loadClassifierUrl(url),
      channels: (choice) => this.setClassifierChoice(choice),
    });
    this.network = new NetworkHost({
      onReady: () => {
        this.refreshColors();
        this.refreshGlyphs();
        this.stage.requestRender();
      },
      onStatus: (text) => this.displayPanel.showNetworkStatus(text),
      onError: (message) => this.banner.show(message),
    });
    sidebar.append(
      el("h1", { text: "gemcnn viewer" }),
      el("p", { class: "hint", text: "Drag to orbit, scroll to zoom, click to pick a vertex." }),
      this.meshPanel.element,
      this.displayPanel.element,
      this.gaugePanel.element,
      this.classifierPanel.element,
    );
    inspector.append(this.vertexPanel.element, this.transportPanel.element);
    this.stage.setRightInset(inspector.offsetWidth + 8);
    this.installPicking();
    this.installDropZone(viewport, dropOverlay);
  }

  /**
   * Back to the state of a freshly loaded page: default display and transport settings, no message,
   * and the first built-in mesh opened anew (reference gauge, nothing picked).
   */
  async reset(): Promise<boolean> {
    this.display = { ...DEFAULT_DISPLAY };
    this.transport = { ...DEFAULT_TRANSPORT };
    this.displayPanel.show(this.display);
    this.transportPanel.show(this.transport);
    this.banner.clear();
    this.unloadClassifier();
    return this.openBuiltin(this.builtinMeshNames()[0]);
  }

  /** Forgets the loaded classifier (and stops drawing its layers). */
  unloadClassifier(): void {
    this.classifier.unload();
    this.classifierPanel.showInfo("No classifier loaded.");
    this.classifierPanel.showPrediction(undefined, "");
    this.classifierPanel.showLayers([]);
    this.classifierChoice = { layer: "", scalar: -1, order1: -1, order2: -1 };
    this.displayPanel.setClassifierAvailable(false);
    if (this.display.coloring === "classifier") this.display = { ...this.display, coloring: "plain" };
    if (this.display.fieldSource === "classifier") this.display = { ...this.display, fieldSource: "input" };
    this.displayPanel.show(this.display);
  }

  /** Opens a built-in mesh by name; failures go to the banner. */
  async openBuiltin(name: string): Promise<boolean> {
    try {
      return this.openData(name, await findBuiltinMesh(name).load());
    } catch (error) {
      this.banner.show(describeLoadError(name, error));
      return false;
    }
  }

  /** Opens the first of `files` (from the file input or a drop); failures go to the banner. */
  async openFiles(files: readonly File[]): Promise<boolean> {
    const file = files[0];
    if (!file) return false;
    try {
      const opened = this.openData(file.name, parseMeshFile(file.name, await file.arrayBuffer()));
      if (opened && files.length > 1) {
        this.banner.notice(`Opened ${file.name}; ${files.length - 1} more file(s) ignored.`);
      }
      return opened;
    } catch (error) {
      this.banner.show(describeLoadError(file.name, error));
      return false;
    }
  }

  /**
   * Validates mesh data and opens it. A mesh with problems is not opened: the banner names the
   * file and the first problem, and offers to repair it (the geometry package's `repairMesh`:
   * weld duplicates, drop degenerate and duplicate faces, split non-manifold edges and vertices,
   * remove unreferenced vertices, orient consistently).
   */
  openData(name: string, data: TriangleMeshData): boolean {
    const report = validateMesh(data, { source: name });
    if (!report.ok) {
      const error = new MeshError(report.problems, name, report.problemCount);
      this.banner.show(error.message, {
        label: "Repair and open",
        run: () => this.repairAndOpen(name, data),
      });
      return false;
    }
    this.show(MeshModel.open(name, data));
    return true;
  }

  private repairAndOpen(name: string, data: TriangleMeshData): void {
    try {
      const { data: repaired, report } = repairMesh(data);
      const changes = [
        [report.weldedVertices.length, "duplicate vertices welded"],
        [report.droppedFaces.length, "faces dropped"],
        [report.splitEdges.length, "non-manifold edges split"],
        [report.splitVertices.length, "vertices split"],
        [report.cutEdges.length, "edges cut to orient"],
        [report.removedVertices.length, "unused vertices removed"],
        [report.flippedFaces.length, "faces flipped"],
      ]
        .filter(([count]) => (count as number) > 0)
        .map(([count, what]) => `${count} ${what}`);
      const repairedName = `${name} (repaired)`;
      if (this.openData(repairedName, repaired)) {
        this.banner.notice(`${name}: repaired (${changes.join(", ") || "nothing to change"}) and opened.`);
      }
    } catch (error) {
      this.banner.show(describeLoadError(name, error));
    }
  }

  private show(model: MeshModel): void {
    if (this.surface) {
      this.stage.scene.remove(this.surface);
      this.surface.geometry.dispose();
    }
    this.model = model;
    this.picked = null;
    this.pathTarget = null;
    this.lastTransport = null;
    const geometry = meshBufferGeometry(model.geometry.positions, model.geometry.mesh.triangles);
    this.surface = surfaceMesh(geometry);
    this.stage.scene.add(this.surface);
    this.marker.scale.setScalar(0.12 * model.meanEdgeLength);
    this.banner.clear();
    const mesh = model.geometry.mesh;
    const boundaryLoops = mesh.boundaryLoops().length;
    const euler = mesh.nVertices - mesh.nEdges + mesh.nFaces;
    this.meshPanel.showOpened(
      model.name,
      `${mesh.nVertices} vertices, ${mesh.nFaces} faces, ${boundaryLoops} boundary loop(s)\n` +
        `Euler characteristic χ = ${euler}\n` +
        `total angle defect ${fmt(model.geometry.totalAngleDefect())} = 2πχ ${fmt(2 * Math.PI * euler)}`,
    );
    this.refreshAll();
    this.stage.frame(geometry.boundingSphere!);
  }

  /** Picks `vertex` (or, with `asPathTarget`, makes it the end of the transport path). */
  pick(vertex: number, asPathTarget = false): void {
    if (!this.model) return;
    if (!Number.isInteger(vertex) || vertex < 0 || vertex >= this.model.nVertices) {
      this.banner.show(`pick: vertex ${vertex} does not exist (the mesh has ${this.model.nVertices})`);
      return;
    }
    if (asPathTarget && this.picked !== null) {
      this.pathTarget = vertex;
      this.transport = { ...this.transport, route: "path" };
      this.transportPanel.show(this.transport);
    } else {
      this.picked = vertex;
    }
    this.refreshPicked();
    this.stage.requestRender();
  }

  /** Turns every frame by a random angle (see `MeshModel.changeGauge`). */
  scrambleGauge(options: Partial<GaugeChangeOptions> = {}): void {
    const model = this.model;
    if (!model) return;
    try {
      const phi = model.changeGauge({
        seed: options.seed ?? this.gaugeSeed++,
        transformFields: options.transformFields,
      });
      // The starting vector is a tangent vector too: its angle from e1 follows the gauge law θ' = θ − φ.
      if (this.picked !== null) {
        this.transport = {
          ...this.transport,
          startAngle: wrapAngle(this.transport.startAngle - phi[this.picked]),
        };
        this.transportPanel.show(this.transport);
      }
      this.refreshColors();
      this.refreshGlyphs();
      this.refreshPicked();
      this.refreshClassifier();
      this.stage.requestRender();
    } catch (error) {
      this.banner.show(`scramble gauge: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  resetGauge(): void {
    const model = this.model;
    if (!model) return;
    if (this.picked !== null) {
      this.transport = {
        ...this.transport,
        startAngle: wrapAngle(this.transport.startAngle + model.gauge[this.picked]),
      };
      this.transportPanel.show(this.transport);
    }
    model.resetGauge();
    this.refreshColors();
    this.refreshGlyphs();
    this.refreshPicked();
    this.refreshClassifier();
    this.stage.requestRender();
  }

  setDisplay(settings: Partial<DisplaySettings>): void {
    this.display = { ...this.display, ...settings };
    this.displayPanel.show(this.display);
    this.refreshColors();
    this.refreshGlyphs();
    this.stage.requestRender();
  }

  setTransport(settings: Partial<TransportSettings>): void {
    this.transport = { ...this.transport, ...settings };
    this.transportPanel.show(this.transport);
    this.refreshTransport();
    this.stage.requestRender();
  }

  /** The surface's vertex colours as drawn (RGB per vertex). */
  surfaceColors(): number[] {
    const colors = this.surface?.geometry.getAttribute("color");
    return colors ? Array.from(colors.array as Float32Array) : [];
  }

  builtinMeshNames(): string[] {
    return builtinMeshes().map((mesh) => mesh.name);
  }

  /**
   * Where a vertex appears on screen (client CSS pixels), and whether it is clearly visible there:
   * the first surface point under that pixel lies within a tenth of an edge length of the vertex,
   * and its normal is turned towards the camera (more than about 75° from the line of sight).
   */
  vertexOnScreen(vertex: number): { x: number; y: number; facing: boolean } {
    const model = this.model!;
    const positions = model.geometry.positions;
    const point = new Vector3(positions[3 * vertex], positions[3 * vertex + 1], positions[3 * vertex + 2]);
    const { x, y } = this.stage.toClient(point);
    const hit = this.surface ? this.stage.raycast(x, y, this.surface) : undefined;
    const n = model.frames.n;
    const toCamera = this.stage.camera.position.clone().sub(point).normalize();
    const cosine =
      n[3 * vertex] * toCamera.x + n[3 * vertex + 1] * toCamera.y + n[3 * vertex + 2] * toCamera.z;
    // Not too close to the silhouette, where a pixel's rounding could miss the surface.
    const facing =
      hit !== undefined && hit.point.distanceTo(point) < 0.1 * model.meanEdgeLength && cosine > 0.25;
    return { x, y, facing };
  }

  private refreshAll(): void {
    this.refreshColors();
    this.refreshGlyphs();
    this.refreshPicked();
    this.refreshClassifier();
    this.stage.requestRender();
  }

  private refreshColors(): void {
    const model = this.model;
    const geometry = this.surface?.geometry as BufferGeometry | undefined;
    if (!model || !geometry) return;
    const coloring = this.display.coloring;
    let values: Float64Array | undefined;
    let unit = "";
    if (coloring === "curvature") {
      values = model.curvatureDensity;
      unit = "K (1/length²)";
    } else if (coloring === "angle-defect") {
      values = model.geometry.vertexAngleDefects;
      unit = "defect (rad)";
    } else if (coloring === "classifier") {
      const layer = this.classifierLayerOutput();
      values = layer && scalarChannel(layer.packed, layer.fieldType, this.classifierChoice.scalar);
      unit = `${this.classifierChoice.layer} scalar ${this.classifierChoice.scalar}`;
    } else if (coloring.startsWith("network-")) {
      const channel = Number(coloring.slice("network-".length));
      values = this.model ? this.network.features(this.model)?.scalars[channel] : undefined;
      unit = `network scalar ${channel}`;
    }
    if (!values) {
      clearVertexColors(geometry);
      this.displayPanel.showLegend(undefined);
      return;
    }
    const kind: ColormapKind = "diverging";
    const range = colorRange(values, kind);
    setVertexColors(geometry, colorize(values, kind, range));
    this.displayPanel.showLegend({ kind, ...range, unit });
  }

  private refreshGlyphs(): void {
    const model = this.model;
    if (!model) return;
    const source = this.display.fieldSource;
    let order1: TangentField | undefined;
    let order2: TangentField | undefined;
    if (source === "network") {
      const features = this.network.features(model);
      order1 = features?.order1[this.display.channel];
      order2 = features?.order2[this.display.channel];
    } else if (source === "classifier") {
      const layer = this.classifierLayerOutput();
      if (layer) {
        order1 = tangentChannel(layer.packed, layer.fieldType, 1, this.classifierChoice.order1);
        order2 = tangentChannel(layer.packed, layer.fieldType, 2, this.classifierChoice.order2);
      }
    } else {
      const fields = source === "layer" ? model.layerOutputs() : model.inputs;
      order1 = fields.order1;
      order2 = fields.order2;
    }
    this.setLayer("frames", this.display.showFrames ? frameSegments(model) : undefined);
    this.setLayer("order1", this.display.showOrder1 && order1 ? order1Segments(model, order1) : undefined);
    this.setLayer("order2", this.display.showOrder2 && order2 ? order2Segments(model, order2) : undefined);
    this.gaugePanel.showStatus(
      model.gaugeVersion === 0
        ? "reference frames (e1 towards each vertex's first neighbour)"
        : `gauge changed ${model.gaugeVersion} time(s)`,
    );
  }

  private setLayer(name: GlyphLayerName, segments: Segments | undefined): void {
    const layer = this.layers[name];
    if (segments) layer.set(segments.positions, segments.colors);
    else layer.clear();
    layer.visible = segments !== undefined;
  }

  private refreshPicked(): void {
    const model = this.model;
    const p = this.picked;
    if (!model || p === null) {
      this.marker.visible = false;
      this.setLayer("picked-frame", undefined);
      this.setLayer("transport", undefined);
      this.vertexPanel.clear();
      this.transportPanel.showResult("Pick a vertex to carry a vector from it.");
      return;
    }
    const positions = model.geometry.positions;
    this.marker.position.set(positions[3 * p], positions[3 * p + 1], positions[3 * p + 2]);
    this.marker.visible = true;
    this.setLayer("picked-frame", pickedFrameSegments(model, p));
    const { e1, e2, n } = model.frames;
    const defect = model.geometry.vertexAngleDefects[p];
    const projected = model.projectedLogMap(p);
    const intrinsic = model.intrinsicLogMap(p);
    this.vertexPanel.show(
      `vertex ${p} (degree ${model.geometry.mesh.vertexDegree[p]}${model.geometry.mesh.vertexOnBoundary[p] ? ", boundary" : ""})\n` +
        `position ${vec(positions, p)}\n` +
        `angle defect ${fmt(defect)} rad, K = ${fmt(model.curvatureDensity[p])}\n` +
        `e1 ${vec(e1, p)}\ne2 ${vec(e2, p)}\nn  ${vec(n, p)}\n` +
        `gauge angle from reference ${degrees(wrapAngle(model.gauge[p]))}`,
      [...projected, ...intrinsic.map((entry) => ({ ...entry, exact: true }))],
    );
    this.refreshTransport();
  }

  private refreshTransport(): void {
    const model = this.model;
    const p = this.picked;
    if (!model || p === null) return;
    const start: [number, number] = [
      Math.cos(this.transport.startAngle),
      Math.sin(this.transport.startAngle),
    ];
    try {
      if (this.transport.route === "loop") {
        const result = holonomyAroundOneRing(model, p, start, this.transport.method);
        this.lastTransport = result;
        this.setLayer("transport", transportSegments(model, result));
        this.transportPanel.showResult(
          `loop: the 1-ring of vertex ${p}, ${result.vertices.length - 3} edges\n` +
            `holonomy            ${fmt(result.holonomy, 5)} (${degrees(result.holonomy)})\n` +
            `enclosed curvature  ${fmt(result.enclosedCurvature, 5)} (${degrees(result.enclosedCurvature)})\n` +
            `= angle defect of ${p}: ${fmt(result.enclosedAngleDefect, 5)}\n` +
            "+ shares of the loop vertices' defects\n" +
            "(angles in radians)",
        );
      } else if (this.pathTarget === null) {
        this.lastTransport = null;
        this.setLayer("transport", undefined);
        this.transportPanel.showResult("Shift-click a second vertex to carry the vector to it.");
      } else {
        const path = shortestEdgePath(model, p, this.pathTarget);
        const result = transportAlongPath(model, path, start, this.transport.method);
        this.lastTransport = result;
        this.setLayer("transport", transportSegments(model, result));
        const [c1, c2] = result.coefficients[result.coefficients.length - 1];
        this.transportPanel.showResult(
          `from vertex ${p} to vertex ${this.pathTarget} along ${path.length - 1} edges\n` +
            `arrives at ${degrees(Math.atan2(c2, c1))} from that vertex's e1`,
        );
      }
    } catch (error) {
      this.lastTransport = null;
      this.setLayer("transport", undefined);
      this.transportPanel.showResult(error instanceof Error ? error.message : String(error));
    }
  }

  private installPicking(): void {
    const canvas = this.stage.renderer.domElement;
    let down: { x: number; y: number } | undefined;
    canvas.addEventListener("pointerdown", (event) => {
      down = { x: event.clientX, y: event.clientY };
    });
    canvas.addEventListener("pointerup", (event) => {
      if (!down || event.button !== 0) return;
      const moved = Math.hypot(event.clientX - down.x, event.clientY - down.y);
      down = undefined;
      if (moved > CLICK_TOLERANCE || !this.surface || !this.model) return;
      const hit = this.stage.raycast(event.clientX, event.clientY, this.surface);
      if (!hit?.face) return;
      // The corner of the hit triangle nearest to the hit point.
      const positions = this.model.geometry.positions;
      let best = hit.face.a;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (const v of [hit.face.a, hit.face.b, hit.face.c]) {
        const d = hit.point.distanceTo(
          new Vector3(positions[3 * v], positions[3 * v + 1], positions[3 * v + 2]),
        );
        if (d < bestDistance) {
          bestDistance = d;
          best = v;
        }
      }
      this.pick(best, event.shiftKey);
    });
  }

  private installDropZone(viewport: HTMLElement, overlay: HTMLElement): void {
    let depth = 0;
    viewport.addEventListener("dragenter", (event) => {
      event.preventDefault();
      depth++;
      overlay.hidden = false;
    });
    viewport.addEventListener("dragover", (event) => {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    });
    viewport.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) overlay.hidden = true;
    });
    viewport.addEventListener("drop", (event) => {
      event.preventDefault();
      depth = 0;
      overlay.hidden = true;
      const files = Array.from(event.dataTransfer?.files ?? []);
      if (files.length === 0) {
        this.banner.show("The drop held no file: drag an OBJ, OFF or PLY file from your file manager.");
        return;
      }
      // The files of a saved classifier (model.json, weights, description) load as a model.
      if (files.some((file) => file.name === MODEL_JSON)) void this.loadClassifierFiles(files);
      else void this.openFiles(files);
    });
  }

  /** Loads a classifier from the files of its directory (chosen or dropped); failures go to the banner. */
  async loadClassifierFiles(files: readonly File[]): Promise<boolean> {
    let source: ReturnType<typeof fileListSource>;
    try {
      source = fileListSource(files);
    } catch (error) {
      this.banner.show(error instanceof Error ? error.message : String(error));
      return false;
    }
    return this.loadClassifier(source);
  }

  /** Loads a classifier served at `url` (its directory or its model.json); failures go to the banner. */
  async loadClassifierUrl(url: string): Promise<boolean> {
    let source: ReturnType<typeof urlSource>;
    try {
      source = urlSource(url);
    } catch (error) {
      this.banner.show(error instanceof Error ? error.message : String(error));
      return false;
    }
    this.classifierPanel.setUrl(url);
    return this.loadClassifier(source);
  }

  private async loadClassifier(source: Parameters<ClassifierHost["load"]>[0]): Promise<boolean> {
    const before = this.classifier.loaded;
    this.classifierPanel.showInfo(`loading ${source.label}…`);
    try {
      const { classifier, backend } = await this.classifier.load(source);
      const { config } = classifier.info;
      const levels = 1 + config.blocks.filter((block) => block.pool).length;
      this.classifierPanel.showInfo(
        `${classifier.label}
` +
          `${classifier.classes.length} classes: ${classifier.classes.join(", ")}
` +
          `input ${classifier.inputType} (${classifier.description.preprocess.features.kinds.join(", ")})
` +
          `${config.blocks.length} residual blocks on ${levels} mesh level(s), ${classifier.parameterCount} parameters
` +
          `tfjs ${backend}`,
      );
      this.classifierPanel.showLayers(classifier.featureLayers);
      const first = classifier.featureLayers[0];
      this.classifierChoice = {
        layer: first?.name ?? "",
        scalar: first && first.fieldType.multiplicityOf(0) > 0 ? 0 : -1,
        order1: first && first.fieldType.multiplicityOf(1) > 0 ? 0 : -1,
        order2: first && first.fieldType.multiplicityOf(2) > 0 ? 0 : -1,
      };
      this.classifierPanel.showChoice(this.classifierChoice);
      this.displayPanel.setClassifierAvailable(true);
      this.banner.clear();
      this.refreshClassifier();
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.banner.show(
        error instanceof ModelFilesError || !message.includes(source.label)
          ? `${source.label}: ${message}`
          : message,
      );
      this.classifierPanel.showInfo(
        before
          ? `Still using ${before.classifier.label} (the new model failed to load).`
          : "No classifier loaded.",
      );
      return false;
    }
  }

  /** Draws other channels of the classifier's layers (see `ClassifierPanel`). */
  setClassifierChoice(choice: LayerChannelChoice): void {
    const previous = this.classifierChoice;
    this.classifierChoice = choice;
    this.classifierPanel.showChoice(choice);
    // Picking a channel shows it: the scalar as colours, the tangent channels as glyphs.
    const settings: Partial<DisplaySettings> = {};
    if (choice.scalar >= 0 && (choice.scalar !== previous.scalar || choice.layer !== previous.layer)) {
      settings.coloring = "classifier";
    }
    if (choice.order1 >= 0 && choice.order1 !== previous.order1)
      Object.assign(settings, { fieldSource: "classifier", showOrder1: true });
    if (choice.order2 >= 0 && choice.order2 !== previous.order2)
      Object.assign(settings, { fieldSource: "classifier", showOrder2: true });
    this.setDisplay(settings);
  }

  /** The drawn layer's output on the open mesh, when the classifier has predicted it. */
  private classifierLayerOutput(): { packed: Float32Array; fieldType: FieldType } | undefined {
    const model = this.model;
    const loaded = this.classifier.loaded;
    if (!model || !loaded) return undefined;
    const result = this.classifier.cached(model);
    if (!result?.ok) return undefined;
    const layer = loaded.classifier.featureLayers.find((l) => l.name === this.classifierChoice.layer);
    const packed = layer && result.prediction.layerOutputs.get(layer.name);
    return layer && packed ? { packed, fieldType: layer.fieldType } : undefined;
  }

  /**
   * Shows the classifier's prediction for the open mesh in its current gauge: at once when it is
   * known, otherwise after the next frame (so that "predicting…" is drawn first), then redraws
   * what depends on it.
   */
  private refreshClassifier(): void {
    const model = this.model;
    if (!model || !this.classifier.loaded) return;
    if (this.classifier.cached(model)) {
      this.showPrediction();
      return;
    }
    this.classifierPanel.showPrediction(undefined, `predicting ${model.name}…`);
    if (this.predictionPending) return;
    this.predictionPending = true;
    requestAnimationFrame(() =>
      setTimeout(() => {
        this.predictionPending = false;
        const current = this.model;
        if (!current) return;
        this.classifier.predict(current);
        this.showPrediction();
        this.refreshColors();
        this.refreshGlyphs();
        this.stage.requestRender();
      }, 0),
    );
  }

  private showPrediction(): void {
    const model = this.model;
    const loaded = this.classifier.loaded;
    if (!model || !loaded) return;
    const result = this.classifier.cached(model);
    if (!result) return;
    if (!result.ok) {
      this.classifierPanel.showPrediction(undefined, result.message, true);
      return;
    }
    const { prediction } = result;
    const classes = loaded.classifier.classes;
    const { features, hierarchy, network } = prediction.milliseconds;
    const lines = [
      `${model.name}: ${classes[prediction.best]} (${(100 * prediction.probabilities[prediction.best]).toFixed(1)}%)`,
      `features ${features.toFixed(0)} ms, mesh levels ${hierarchy.toFixed(0)} ms, network ${network.toFixed(0)} ms`,
      ...prediction.notes,
    ];
    if (model.gaugeVersion > 0) {
      const change = this.classifier.changeSinceReference(model, prediction);
      lines.push(
        `gauge changed ${model.gaugeVersion} time(s): predicted again from features and graphs in the turned frames` +
          (change === undefined
            ? ""
            : `; largest change of a probability since the reference gauge: ${change.toExponential(1)}`),
      );
    }
    this.classifierPanel.showPrediction(
      classes.map((name, c) => ({ name, probability: prediction.probabilities[c] })),
      lines.join("\n"),
    );
  }
}
