import type { FieldType } from "@gemcnn/gauge";
import {
  MeshError,
  meshFormatOf,
  repairMesh,
  rotateFrames,
  type TangentFrames,
  type TriangleMeshData,
  validateMesh,
  wrapAngle,
} from "@gemcnn/geometry";
import { MODEL_JSON } from "@gemcnn/nn/file-names";
import { type BufferGeometry, Mesh, MeshBasicMaterial, SphereGeometry, Vector3 } from "three";
import { ClassifierHost } from "./classifier/classifier-host.js";
import {
  type ModelDescription,
  type PerVertexDescription,
  type RegressionDescription,
  readModelDescription,
} from "./classifier/description.js";
import { scalarChannel, tangentChannel } from "./classifier/layer-channels.js";
import {
  fileListSource,
  type ModelFileSource,
  ModelFilesError,
  urlSource,
} from "./classifier/model-files.js";
import { type ColormapKind, type ColorRange, colorize, colorRange } from "./fields/colormap.js";
import { carryColors, labelColors } from "./fields/palette.js";
import { describeLoadError, parseMeshFile } from "./load-mesh-file.js";
import { builtinMeshes, findBuiltinMesh } from "./mesh-sources.js";
import { maxMagnitude, type TangentField } from "./model/fields.js";
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
import { type FieldOption, type PerVertexView, VertexDataPanel } from "./panels/vertex-data-panel.js";
import { VertexPanel } from "./panels/vertex-panel.js";
import { PerVertexHost } from "./per-vertex/per-vertex-host.js";
import {
  agreement,
  correspondenceErrors,
  correspondenceTruth,
  isLabelFileName,
  readTrueLabels,
  type TrueLabels,
  vertexAccuracy,
} from "./per-vertex/truth.js";
import { RegressionHost } from "./regression/regression-host.js";
import type { RegressionPredictor } from "./regression/regression-model.js";
import { GlyphLayer } from "./scene/glyphs.js";
import { clearVertexColors, meshBufferGeometry, setVertexColors, surfaceMesh } from "./scene/mesh-object.js";
import {
  frameSegments,
  order1Segments,
  order2Segments,
  PREDICTION_ARROW_COLOR,
  PREDICTION_CROSS_COLORS,
  pickedFrameSegments,
  type Segments,
  transportSegments,
} from "./scene/overlays.js";
import { Stage } from "./scene/stage.js";
import { isFieldFileName, readFieldColumns, type TripleKind } from "./user-fields/field-file.js";
import {
  type DrawableField,
  type FieldPredictor,
  fieldErrors,
  PREDICTOR_SUFFIX,
  summarizeErrors,
  UserFieldFile,
  type UserFieldValues,
} from "./user-fields/user-fields.js";

/** Names of the glyph layers, as the test hook reports them. */
export type GlyphLayerName = "frames" | "picked-frame" | "order1" | "order2" | "prediction" | "transport";

/** Prefixes of the field selects' values: a field by name, or a pair (truth and prediction) by the truth's name. */
const FIELD_PREFIX = "field:";
const PAIR_PREFIX = "pair:";

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
  /** The loaded segmentation or correspondence model, once one is loaded. */
  readonly perVertex = new PerVertexHost();
  /** The loaded regression model, once one is loaded; it predicts into the field file (`FieldPredictor`). */
  readonly regression = new RegressionHost();
  /** The regression model's predictor on the open field file (it keeps its last prediction). */
  regressionPredictor: RegressionPredictor | undefined;
  perVertexView: PerVertexView = "predicted";
  /** The open mesh's true labels, from a label file beside it. */
  trueLabels: TrueLabels | undefined;
  /** The open mesh's fields, from a field file beside it. */
  fieldFile: UserFieldFile | undefined;
  /** What the field selects chose: `field:<name>`, `pair:<truth>`, or "" for none. */
  fieldChoice = { color: "", glyph: "" };
  private fieldCache: { model: MeshModel; version: number; values: UserFieldValues } | undefined;
  private perVertexPending = false;
  /** Model loads in progress (from reading gemcnn.json to building the model). */
  modelLoading = 0;
  readonly vertexDataPanel: VertexDataPanel;

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
      prediction: new GlyphLayer("prediction"),
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
    this.vertexDataPanel = new VertexDataPanel({
      files: (files) => void this.openVertexData(files),
      view: (view) => this.setPerVertexView(view),
      fieldColor: (choice) => this.setFieldChoice({ color: choice }),
      fieldGlyph: (choice) => this.setFieldChoice({ glyph: choice }),
      tripleKind: (name, kind) => this.setTripleKind(name, kind),
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
      this.vertexDataPanel.element,
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
    this.unloadPerVertex();
    this.unloadRegression();
    this.perVertexView = "predicted";
    this.vertexDataPanel.showView(this.perVertexView);
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

  /** Forgets the loaded segmentation or correspondence model. */
  unloadPerVertex(): void {
    this.perVertex.unload();
    this.refreshVertexDataAvailability();
    this.showPerVertex();
    if (this.display.coloring === "per-vertex" && !this.trueLabels) this.setDisplay({ coloring: "plain" });
  }

  /** Forgets the loaded regression model and its predicted fields. */
  unloadRegression(): void {
    if (!this.regression.loaded) return;
    this.regression.unload();
    this.regressionPredictor = undefined;
    const model = this.model;
    const file = this.fieldFile;
    if (model && file) {
      file.setPredictor(undefined, this.fieldFrames(model));
      this.fieldCache = undefined;
      this.refreshVertexDataAvailability();
      this.refreshColors();
      this.refreshGlyphs();
      this.stage.requestRender();
    }
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

  /**
   * Opens the mesh among `files` (from the file input or a drop), with the label and field files
   * beside it (`.seg`, `.vseg`, `.csv`, `.fields.json`; a PLY mesh's own vertex properties are
   * read as fields too). Without a mesh file, label and field files go to the open mesh.
   * Failures go to the banner.
   */
  async openFiles(files: readonly File[]): Promise<boolean> {
    const data = files.filter((file) => isLabelFileName(file.name) || isFieldFileName(file.name));
    const meshes = files.filter((file) => !data.includes(file));
    const file = meshes[0];
    if (!file) return data.length > 0 ? this.openVertexData(data) : false;
    try {
      const bytes = await file.arrayBuffer();
      const opened = this.openData(file.name, parseMeshFile(file.name, bytes));
      if (!opened) return false;
      if (meshes.length > 1) {
        this.banner.notice(`Opened ${file.name}; ${meshes.length - 1} more mesh file(s) ignored.`);
      }
      if (meshFormatOf(file.name) === "ply") this.openPlyProperties(file.name, bytes);
      if (data.length > 0) return this.openVertexData(data);
      return true;
    } catch (error) {
      this.banner.show(describeLoadError(file.name, error));
      return false;
    }
  }

  /** A PLY mesh's vertex properties beyond positions, normals and colours, as the open mesh's fields. */
  private openPlyProperties(name: string, bytes: ArrayBuffer): void {
    const model = this.model;
    if (!model) return;
    try {
      const columns = readFieldColumns(name, bytes, model.nVertices);
      if (columns.columns.size > 0) this.setFieldFile(new UserFieldFile(columns, this.fieldFrames(model)));
    } catch (error) {
      this.banner.show(describeLoadError(name, error));
    }
  }

  /**
   * Label files (`.seg` per face, `.vseg` per vertex) and field files (`.csv`, `.fields.json`,
   * `.ply` vertex properties) for the open mesh; each problem (a wrong count, a line that is not a
   * label, a missing column, a NaN) goes to the banner with the reader's message, and what was
   * loaded before stays.
   */
  async openVertexData(files: readonly File[]): Promise<boolean> {
    const model = this.model;
    if (!model) return false;
    let ok = true;
    for (const file of files) {
      try {
        const bytes = await file.arrayBuffer();
        if (this.model !== model) return false;
        if (isLabelFileName(file.name)) {
          this.trueLabels = readTrueLabels(file.name, bytes, {
            positions: model.geometry.positions,
            triangles: model.geometry.mesh.triangles,
          });
          this.perVertexView = this.perVertex.loaded ? this.perVertexView : "true";
          this.vertexDataPanel.showView(this.perVertexView);
          this.setDisplay({ coloring: "per-vertex", ...this.hideDemoFields() });
        } else {
          const columns = readFieldColumns(file.name, bytes, model.nVertices);
          this.setFieldFile(new UserFieldFile(columns, this.fieldFrames(model)));
        }
      } catch (error) {
        ok = false;
        this.banner.show(describeLoadError(file.name, error));
      }
    }
    this.refreshVertexDataAvailability();
    this.showPerVertex();
    this.refreshColors();
    this.refreshGlyphs();
    this.stage.requestRender();
    return ok;
  }

  /** Shows a field file's fields, choosing the first pair (or field) to colour by and to draw. */
  /** Returns false when a loaded regression model refused to predict into the file. */
  private setFieldFile(file: UserFieldFile): boolean {
    const attached = this.attachRegression(file);
    this.fieldFile = file;
    this.fieldCache = undefined;
    const values = this.userFieldValues()!;
    const { color, glyph } = this.fieldOptions(values);
    const first = (options: FieldOption[]) =>
      (options.find((o) => o.value.startsWith(PAIR_PREFIX)) ?? options[0])?.value ?? "";
    this.fieldChoice = { color: first(color), glyph: first(glyph) };
    this.vertexDataPanel.showTriples(file.triples());
    this.refreshVertexDataAvailability();
    const settings: Partial<DisplaySettings> = {};
    if (this.fieldChoice.color) settings.coloring = "user-field";
    if (this.fieldChoice.glyph)
      Object.assign(settings, { fieldSource: "user", showOrder1: true, showOrder2: true });
    this.setDisplay(settings);
    return attached || !this.regression.loaded;
  }

  /**
   * The frames a user's field is expressed in: the reference frames turned by the mesh's field
   * gauge, which follows every gauge change except the negative control's.
   */
  private fieldFrames(model: MeshModel): TangentFrames {
    return model.fieldGauge.some((angle) => angle !== 0)
      ? rotateFrames(model.referenceFrames, model.fieldGauge)
      : model.referenceFrames;
  }

  /** The open mesh's user fields in its field gauge (cached per gauge), or undefined. */
  userFieldValues(): UserFieldValues | undefined {
    const model = this.model;
    const file = this.fieldFile;
    if (!model || !file) return undefined;
    const cache = this.fieldCache;
    if (cache?.model === model && cache.version === model.gaugeVersion) return cache.values;
    const values = file.valuesIn(this.fieldFrames(model));
    this.fieldCache = { model, version: model.gaugeVersion, values };
    return values;
  }

  private fieldOptions(values: UserFieldValues): { color: FieldOption[]; glyph: FieldOption[] } {
    const kind = (order: number) => (order === 1 ? "vector" : "line field");
    const color: FieldOption[] = [];
    const glyph: FieldOption[] = [];
    for (const pair of values.pairs) {
      const order = values.fields.find((f) => f.name === pair.truth)!.order;
      color.push({
        value: `${PAIR_PREFIX}${pair.truth}`,
        text: `${pair.prediction} vs ${pair.truth}: ${order === 0 ? "difference" : "angular error (°)"}`,
      });
      if (order > 0)
        glyph.push({
          value: `${PAIR_PREFIX}${pair.truth}`,
          text: `${pair.truth} and ${pair.prediction} together`,
        });
    }
    for (const field of values.fields) {
      const value = `${FIELD_PREFIX}${field.name}`;
      if (field.order === 0) color.push({ value, text: `${field.name} (scalar)` });
      else glyph.push({ value, text: `${field.name} (${kind(field.order)})` });
    }
    return { color, glyph };
  }

  /**
   * Shows a predictor's fields (a regression model's, see `FieldPredictor`) beside the open
   * mesh's field file, paired with the file's fields of the same names; failures go to the banner.
   */
  setFieldPredictor(predictor: FieldPredictor | undefined): boolean {
    const model = this.model;
    const file = this.fieldFile;
    if (!model || !file) {
      if (predictor) this.banner.show(`${predictor.label}: open a field file with the truth first`);
      return false;
    }
    try {
      file.setPredictor(predictor, this.fieldFrames(model));
    } catch (error) {
      this.banner.show(error instanceof Error ? error.message : String(error));
      return false;
    }
    this.fieldCache = undefined;
    this.refreshVertexDataAvailability();
    this.refreshColors();
    this.refreshGlyphs();
    this.stage.requestRender();
    return true;
  }

  /**
   * Makes the loaded regression model (if any) predict into `file`, beside its fields; a refusal
   * (missing input columns, a mesh the model cannot run on) goes to the banner, and the file's own
   * fields are shown without the prediction.
   */
  private attachRegression(file: UserFieldFile): boolean {
    const loaded = this.regression.loaded;
    const model = this.model;
    this.regressionPredictor = undefined;
    if (!loaded || !model) return false;
    const predictor = loaded.model.predictorFor(model);
    try {
      file.setPredictor(predictor, this.fieldFrames(model));
      this.regressionPredictor = predictor;
      return true;
    } catch (error) {
      // Not the previous model's predictor either: that model may be disposed by now.
      file.setPredictor(undefined, this.fieldFrames(model));
      this.banner.show(error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  setFieldChoice(choice: Partial<{ color: string; glyph: string }>): void {
    this.fieldChoice = { ...this.fieldChoice, ...choice };
    this.vertexDataPanel.showFieldChoice(this.fieldChoice.color, this.fieldChoice.glyph);
    const settings: Partial<DisplaySettings> = {};
    if (choice.color) settings.coloring = "user-field";
    if (choice.glyph) Object.assign(settings, { fieldSource: "user", showOrder1: true, showOrder2: true });
    this.setDisplay(settings);
  }

  /** Reads the triple `name` of the field file as a vector or a line field; a failure goes to the banner. */
  setTripleKind(name: string, kind: TripleKind): void {
    const model = this.model;
    const file = this.fieldFile;
    if (!model || !file) return;
    try {
      file.setTripleKind(name, kind, this.fieldFrames(model));
      this.fieldCache = undefined;
    } catch (error) {
      this.banner.show(describeLoadError(file.source, error));
    }
    this.vertexDataPanel.showTriples(file.triples());
    this.refreshVertexDataAvailability();
    this.refreshColors();
    this.refreshGlyphs();
    this.stage.requestRender();
  }

  setPerVertexView(view: PerVertexView): void {
    this.perVertexView = view;
    this.vertexDataPanel.showView(view);
    this.setDisplay({ coloring: "per-vertex" });
  }

  /** Settings that hide the demonstration fields' glyphs (which would cover labels), when they are the ones drawn. */
  private hideDemoFields(): Partial<DisplaySettings> {
    return this.display.fieldSource === "input" || this.display.fieldSource === "layer"
      ? { showOrder1: false, showOrder2: false }
      : {};
  }

  /** Enables the colour and field choices that have something to show, and fills the field selects. */
  private refreshVertexDataAvailability(): void {
    const values = this.fieldFile ? this.safeFieldValues() : undefined;
    const options = values ? this.fieldOptions(values) : { color: [], glyph: [] };
    this.vertexDataPanel.showFieldOptions(options.color, options.glyph);
    this.vertexDataPanel.showFieldChoice(this.fieldChoice.color, this.fieldChoice.glyph);
    this.displayPanel.setAvailable(
      "per-vertex",
      this.perVertex.loaded !== undefined || this.trueLabels !== undefined,
    );
    this.displayPanel.setAvailable("user-field", options.color.length > 0);
    this.displayPanel.setAvailable("user", options.glyph.length > 0);
    if (!this.fieldFile) this.vertexDataPanel.showTriples([]);
    // A choice that the file no longer offers (a triple read another way) is dropped.
    const offered = (choice: string, list: FieldOption[]) => list.some((o) => o.value === choice);
    if (this.fieldChoice.color && !offered(this.fieldChoice.color, options.color))
      this.fieldChoice.color = "";
    if (this.fieldChoice.glyph && !offered(this.fieldChoice.glyph, options.glyph))
      this.fieldChoice.glyph = "";
    this.vertexDataPanel.showFieldChoice(this.fieldChoice.color, this.fieldChoice.glyph);
    this.vertexDataPanel.showFieldStatus(this.fieldStatusLines(values).join("\n"));
  }

  /** The field file's line in the panel: its fields and the conversion's notes. */
  private fieldStatusLines(values: UserFieldValues | undefined): string[] {
    if (!values || !this.fieldFile) return ["No field file."];
    return [`${this.fieldFile.source}: ${values.fields.map((f) => f.name).join(", ")}`, ...values.notes];
  }

  private safeFieldValues(): UserFieldValues | undefined {
    try {
      return this.userFieldValues();
    } catch (error) {
      this.banner.show(error instanceof Error ? error.message : String(error));
      return undefined;
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
    // Labels and fields belong to the mesh they were opened with.
    this.trueLabels = undefined;
    this.fieldFile = undefined;
    this.regressionPredictor = undefined;
    this.fieldCache = undefined;
    this.fieldChoice = { color: "", glyph: "" };
    if (this.display.coloring === "user-field") this.display = { ...this.display, coloring: "plain" };
    if (this.display.fieldSource === "user") this.display = { ...this.display, fieldSource: "input" };
    this.refreshVertexDataAvailability();
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
      this.refreshPerVertex();
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
    this.refreshPerVertex();
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
    this.refreshPerVertex();
    this.stage.requestRender();
  }

  private refreshColors(): void {
    const model = this.model;
    const geometry = this.surface?.geometry as BufferGeometry | undefined;
    if (!model || !geometry) return;
    const coloring = this.display.coloring;
    let values: Float64Array | undefined;
    let unit = "";
    let kind: ColormapKind = "diverging";
    let fixed: ColorRange | undefined;
    if (coloring === "per-vertex") {
      const colored = this.perVertexColors();
      if (colored && "colors" in colored) {
        setVertexColors(geometry, colored.colors);
        this.displayPanel.showLegend(undefined);
        return;
      }
      if (colored) ({ values, unit, kind, range: fixed } = colored);
    } else if (coloring === "user-field") {
      const colored = this.userFieldColoring();
      if (colored) ({ values, unit, kind, range: fixed } = colored);
    } else if (coloring === "curvature") {
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
    const range = fixed ?? colorRange(values, kind);
    setVertexColors(geometry, colorize(values, kind, range));
    this.displayPanel.showLegend({ kind, ...range, unit });
  }

  private refreshGlyphs(): void {
    const model = this.model;
    if (!model) return;
    const source = this.display.fieldSource;
    let order1: TangentField | undefined;
    let order2: TangentField | undefined;
    let predicted: Segments | undefined;
    let glyphStyle: { magnitude?: number } = {};
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
    } else if (source === "user") {
      const drawn = this.userFieldGlyphs();
      if (drawn) {
        const { truth, prediction, magnitude } = drawn;
        if (truth.order === 1) order1 = truth.field;
        if (truth.order === 2) order2 = truth.field;
        const show = truth.order === 1 ? this.display.showOrder1 : this.display.showOrder2;
        predicted =
          prediction && show
            ? prediction.order === 1
              ? order1Segments(model, prediction.field, { magnitude, color: PREDICTION_ARROW_COLOR })
              : order2Segments(model, prediction.field, { magnitude, crossColors: PREDICTION_CROSS_COLORS })
            : undefined;
        glyphStyle = { magnitude };
      }
    } else {
      const fields = source === "layer" ? model.layerOutputs() : model.inputs;
      order1 = fields.order1;
      order2 = fields.order2;
    }
    this.setLayer("frames", this.display.showFrames ? frameSegments(model) : undefined);
    this.setLayer(
      "order1",
      this.display.showOrder1 && order1 ? order1Segments(model, order1, glyphStyle) : undefined,
    );
    this.setLayer(
      "order2",
      this.display.showOrder2 && order2 ? order2Segments(model, order2, glyphStyle) : undefined,
    );
    this.setLayer("prediction", predicted);
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

  /**
   * Loads the model of `source`, by the task its gemcnn.json names: a classifier, or a
   * segmentation or correspondence model (see `loadPerVertex`). Failures go to the banner.
   */
  private async loadClassifier(source: ModelFileSource): Promise<boolean> {
    this.modelLoading++;
    try {
      return await this.loadModel(source);
    } finally {
      this.modelLoading--;
    }
  }

  private async loadModel(source: ModelFileSource): Promise<boolean> {
    let description: ModelDescription;
    try {
      description = await readModelDescription(source);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.banner.show(message.includes(source.label) ? message : `${source.label}: ${message}`);
      return false;
    }
    if (description.task === "regression") return this.loadRegression(source, description);
    if (description.task !== "classification") return this.loadPerVertex(source, description);
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
      this.unloadPerVertex();
      this.unloadRegression();
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

  /** The chosen field (or pair) of the field file: the field, and its prediction for a pair. */
  private chosenField(choice: string): { truth: DrawableField; prediction?: DrawableField } | undefined {
    const values = this.safeFieldValues();
    if (!values || choice === "") return undefined;
    const byName = (name: string) => values.fields.find((f) => f.name === name);
    if (choice.startsWith(FIELD_PREFIX)) {
      const truth = byName(choice.slice(FIELD_PREFIX.length));
      return truth && { truth };
    }
    const pair = values.pairs.find((p) => p.truth === choice.slice(PAIR_PREFIX.length));
    const truth = pair && byName(pair.truth);
    const prediction = pair && byName(pair.prediction);
    return truth && prediction ? { truth, prediction } : undefined;
  }

  /** Colours of the chosen scalar field, or of a pair's error (difference, or angle in degrees). */
  private userFieldColoring():
    | { values: Float64Array; unit: string; kind: ColormapKind; range?: ColorRange }
    | undefined {
    const chosen = this.chosenField(this.fieldChoice.color);
    if (!chosen) return undefined;
    const { truth, prediction } = chosen;
    if (!prediction) {
      return truth.order === 0 ? { values: truth.values, unit: truth.name, kind: "diverging" } : undefined;
    }
    const errors = fieldErrors(truth, prediction);
    this.vertexDataPanel.showFieldStatus(
      [
        ...this.fieldStatusLines(this.safeFieldValues()),
        `${prediction.name} against ${truth.name}: ${summarizeErrors(errors, truth.order)}`,
      ].join("\n"),
    );
    return truth.order === 0
      ? { values: errors, unit: `${prediction.name} − ${truth.name}`, kind: "diverging" }
      : {
          values: errors,
          unit: `angle ${prediction.name} to ${truth.name} (°)`,
          kind: "sequential",
          // The whole range of the angle between order-n fields, so that colours mean the same angle on every mesh.
          range: { min: 0, max: 180 / truth.order },
        };
  }

  /** The chosen tangent field (and its prediction, drawn beside it on one scale), or undefined. */
  private userFieldGlyphs():
    | {
        truth: Extract<DrawableField, { order: 1 | 2 }>;
        prediction?: Extract<DrawableField, { order: 1 | 2 }>;
        magnitude: number;
      }
    | undefined {
    const chosen = this.chosenField(this.fieldChoice.glyph);
    if (!chosen || chosen.truth.order === 0) return undefined;
    const truth = chosen.truth;
    const other = chosen.prediction;
    const prediction = other && other.order !== 0 && other.order === truth.order ? other : undefined;
    const magnitude = Math.max(maxMagnitude(truth.field), prediction ? maxMagnitude(prediction.field) : 0);
    return { truth, prediction, magnitude };
  }

  /**
   * The surface's per-vertex colours for the chosen view: predicted or true labels (parts in the
   * categorical palette; for correspondence, the template's colours carried through the labels),
   * or the error (wrong vertices for segmentation; distance on the template for correspondence,
   * as a heat map).
   */
  private perVertexColors():
    | { colors: Float32Array }
    | { values: Float64Array; unit: string; kind: ColormapKind; range?: ColorRange }
    | undefined {
    const model = this.model;
    if (!model) return undefined;
    const loaded = this.perVertex.loaded;
    const outcome = loaded ? this.perVertex.cached(model) : undefined;
    const predicted = outcome?.ok ? outcome.result.labels : undefined;
    const truth = this.perVertexTruth();
    const template = loaded?.template;
    const paint = (labels: Int32Array) =>
      template ? carryColors(template.colors, labels) : labelColors(labels);
    if (this.perVertexView === "predicted") return predicted && { colors: paint(predicted) };
    if (this.perVertexView === "true") return truth && { colors: paint(truth) };
    if (!predicted || !truth) return undefined;
    if (template) {
      const values = correspondenceErrors(template.data, predicted, truth);
      // From 0 (exact) to the largest error: a quantile range would hide the few wrong vertices of a good model.
      // NaN (an unknown label) is skipped: it is not greater than anything.
      let max = 0;
      for (const e of values) if (e > max) max = e;
      return {
        values,
        unit: "error (Euclidean on the template / √area)",
        kind: "sequential",
        range: { min: 0, max: max > 0 ? max : 1 },
      };
    }
    return {
      values: agreement(predicted, truth),
      unit: "0 wrong … 1 right",
      kind: "sequential",
      range: { min: 0, max: 1 },
    };
  }

  /**
   * The open mesh's true labels: from its label file, or for a correspondence model vertex i → i
   * when the mesh has as many vertices as the template.
   */
  perVertexTruth(): Int32Array | undefined {
    const model = this.model;
    if (!model) return undefined;
    const template = this.perVertex.loaded?.template;
    if (template) return correspondenceTruth(model.nVertices, template.data.positions.length / 3);
    return this.trueLabels?.labels;
  }

  /** Runs the per-vertex model on the open mesh after the next frame (as `refreshClassifier`). */
  private refreshPerVertex(): void {
    const model = this.model;
    if (!model || !this.perVertex.loaded) {
      this.showPerVertex();
      return;
    }
    if (this.perVertex.cached(model)) {
      this.showPerVertex();
      return;
    }
    this.vertexDataPanel.showStatus(`predicting ${model.name}…`);
    if (this.perVertexPending) return;
    this.perVertexPending = true;
    requestAnimationFrame(() =>
      setTimeout(() => {
        this.perVertexPending = false;
        const current = this.model;
        if (!current || !this.perVertex.loaded) return;
        this.perVertex.predict(current);
        this.showPerVertex();
        this.refreshColors();
        this.stage.requestRender();
      }, 0),
    );
  }

  /** The Per-vertex data panel's status: the prediction, its accuracy against the truth, the labels file. */
  private showPerVertex(): void {
    const model = this.model;
    const loaded = this.perVertex.loaded;
    const lines: string[] = [];
    let failed = false;
    const truth = this.perVertexTruth();
    if (this.trueLabels && !loaded?.template) {
      const counted = this.trueLabels.labels.filter((l) => l >= 0).length;
      lines.push(
        `true labels: ${this.trueLabels.source} (per ${this.trueLabels.from}${this.trueLabels.from === "face" ? ", per vertex by area majority" : ""}), ${counted} vertices labelled`,
      );
    }
    const description = loaded?.description;
    if (this.trueLabels && description?.task === "segmentation") {
      const largest = this.trueLabels.labels.reduce((m, l) => Math.max(m, l), -1);
      if (largest >= description.classes.length) {
        lines.push(
          `note: ${this.trueLabels.source} has labels up to ${largest}, but the model knows parts 0 to ${description.classes.length - 1}`,
        );
      }
    }
    if (loaded && model) {
      const outcome = this.perVertex.cached(model);
      if (outcome && !outcome.ok) {
        lines.push(outcome.message);
        failed = true;
      } else if (outcome?.ok) {
        const { result } = outcome;
        const { features, hierarchy, network } = result.milliseconds;
        lines.push(
          `${model.name}: predicted by ${loaded.model.label}`,
          `features ${features.toFixed(0)} ms, mesh levels ${hierarchy.toFixed(0)} ms, network ${network.toFixed(0)} ms`,
          ...result.notes,
        );
        if (truth) {
          const { accuracy, counted, correct } = vertexAccuracy(result.labels, truth);
          lines.push(
            `per-vertex accuracy ${(100 * accuracy).toFixed(2)}% (${correct} of ${counted} vertices)`,
          );
          if (loaded.template) {
            const errors = correspondenceErrors(loaded.template.data, result.labels, truth);
            lines.push(
              `error (Euclidean on the template / √area): ${summarizeErrors(errors, 0).replace("RMSE", "RMS")}`,
            );
          }
        } else if (loaded.template) {
          lines.push(
            `no true correspondence: the mesh has ${model.nVertices} vertices, the template ${loaded.template.data.positions.length / 3} (vertex i is template vertex i only on registrations)`,
          );
        } else {
          lines.push("no true labels: open a .seg or .vseg file beside the mesh to compare");
        }
      }
    }
    if (lines.length === 0) lines.push("No labels or per-vertex model.");
    this.vertexDataPanel.showStatus(lines.join("\n"), failed);
    if (description?.task === "segmentation") this.vertexDataPanel.showLegend(description.classes);
    else if (description?.task === "correspondence") {
      this.vertexDataPanel.showLegend(
        undefined,
        "colours: the template's position (x → red, y → green, z → blue) carried to the mesh through the labels",
      );
    } else this.vertexDataPanel.showLegend(undefined);
  }

  /** Builds a segmentation or correspondence model from `source`; failures go to the banner. */
  private async loadPerVertex(source: ModelFileSource, description: PerVertexDescription): Promise<boolean> {
    const before = this.perVertex.loaded;
    try {
      const { model, backend, template } = await this.perVertex.load(source, description);
      this.unloadClassifier();
      this.unloadRegression();
      const what =
        description.task === "segmentation"
          ? `segmentation into ${description.classes.length} parts: ${description.classes.join(", ")}\n` +
            `trained on labels per ${description.labelsFrom} (${description.labelsFrom === "face" ? ".seg" : ".vseg"} files)`
          : `correspondence to a template of ${description.template.vertexCount} vertices (${description.template.file}, ${template!.data.triangles.length / 3} faces)`;
      this.classifierPanel.showInfo(
        `${model.label}\n${what}\n` +
          `input ${model.inputType} (${description.preprocess.features.kinds.join(", ")})\n` +
          `${model.info.config.blocks.length} residual blocks, ${model.parameterCount} parameters\n` +
          `tfjs ${backend}`,
      );
      this.classifierPanel.showPrediction(undefined, "per-vertex labels: see Per-vertex data");
      this.perVertexView = "predicted";
      this.vertexDataPanel.showView(this.perVertexView);
      this.refreshVertexDataAvailability();
      this.banner.clear();
      this.setDisplay({ coloring: "per-vertex", ...this.hideDemoFields() });
      this.refreshPerVertex();
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.banner.show(
        error instanceof ModelFilesError || !message.includes(source.label)
          ? `${source.label}: ${message}`
          : message,
      );
      this.classifierPanel.showInfo(
        before ? `Still using ${before.model.label} (the new model failed to load).` : "No model loaded.",
      );
      return false;
    }
  }

  /**
   * Builds a regression model from `source` and makes it predict into the open mesh's field file
   * (see `FieldPredictor`): its fields appear as `<name>_predicted` beside the file's, paired with
   * the truth. Failures go to the banner, and the model loaded before stays.
   */
  private async loadRegression(
    source: ModelFileSource,
    description: RegressionDescription,
  ): Promise<boolean> {
    const before = this.regression.loaded;
    try {
      const { model, backend } = await this.regression.load(source, description);
      this.unloadClassifier();
      this.unloadPerVertex();
      const kinds = description.preprocess.features.kinds;
      const inputs = description.fields.input.map((d) => `${d.name} (${d.kind})`);
      this.classifierPanel.showInfo(
        `${model.label}\n` +
          `regression of ${description.fields.target.map((d) => `${d.name} (${d.kind})`).join(", ")}: ${model.targetType}\n` +
          `input ${model.inputType}: ${[kinds.length > 0 ? kinds.join(", ") : "", ...inputs].filter(Boolean).join(", ")}\n` +
          `${model.info.config.blocks.length} residual blocks, ${model.parameterCount} parameters\n` +
          `tfjs ${backend}`,
      );
      this.classifierPanel.showPrediction(
        undefined,
        `predicted fields: <name>${PREDICTOR_SUFFIX} beside the field file's (see Per-vertex data)`,
      );
      this.banner.clear();
      const file = this.fieldFile;
      if (!file) {
        this.banner.notice(
          `${model.label}: open the mesh's field file${inputs.length > 0 ? ` (with ${inputs.join(", ")})` : ""} to see the prediction beside the truth`,
        );
        return true;
      }
      // A field file is attached as it opens; the open one is attached to the new model here.
      return this.setFieldFile(file);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.banner.show(
        error instanceof ModelFilesError || !message.includes(source.label)
          ? `${source.label}: ${message}`
          : message,
      );
      this.classifierPanel.showInfo(
        before ? `Still using ${before.model.label} (the new model failed to load).` : "No model loaded.",
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
