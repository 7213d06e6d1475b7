import type { GlyphLayerName, ViewerApp } from "./app.js";
import type { GaugeChangeOptions } from "./model/mesh-model.js";
import type { LayerChannelChoice } from "./panels/classifier-panel.js";
import type { LogMapPoint } from "./panels/log-map-inset.js";
import type { PerVertexView } from "./panels/vertex-data-panel.js";
import { vertexAccuracy } from "./per-vertex/truth.js";
import type { TripleKind } from "./user-fields/field-file.js";

/** A vertex frame as the page holds it: `(e1, e2, n)`, three numbers each. */
export interface FrameSnapshot {
  readonly vertex: number;
  readonly position: number[];
  readonly e1: number[];
  readonly e2: number[];
  readonly n: number[];
}

/** The trained classifier as the page holds it. */
export interface ClassifierSnapshot {
  /** "none" before a model is loaded, "loading" while one loads, then "ready". */
  readonly status: "none" | "loading" | "ready";
  /** Where the loaded model came from (its directory or URL). */
  readonly label: string | null;
  readonly classes: string[];
  /** nn's account of the tfjs backend the model runs on. */
  readonly backend: string | null;
  /** Layers whose channels can be drawn. */
  readonly layers: string[];
  /** The prediction for the open mesh in its current gauge, once computed. */
  readonly prediction: {
    mesh: string;
    gaugeVersion: number;
    probabilities: number[];
    logits: number[];
    best: string;
  } | null;
  /** Why there is no prediction for the open mesh (too large, features out of reach…), or null. */
  readonly predictionError: string | null;
  /** Largest change of a probability since the mesh's reference gauge, when known. */
  readonly changeSinceReference: number | null;
}

/** The segmentation or correspondence model, the open mesh's labels and the prediction. */
export interface PerVertexSnapshot {
  readonly status: "none" | "loading" | "ready";
  readonly task: "segmentation" | "correspondence" | null;
  readonly label: string | null;
  /** Part names (segmentation). */
  readonly classes: string[];
  /** Template vertices (correspondence), else null. */
  readonly templateVertices: number | null;
  readonly backend: string | null;
  /** The predicted label of every vertex of the open mesh in its current gauge, once computed. */
  readonly prediction: { mesh: string; gaugeVersion: number; labels: number[]; probability: number[] } | null;
  readonly predictionError: string | null;
  /** The open mesh's true labels (label file, or i → i for a registration), or null. */
  readonly truth: number[] | null;
  /** Per-vertex accuracy of the prediction against the truth, or null. */
  readonly accuracy: number | null;
  readonly view: PerVertexView;
  /** The panel's status text, as shown. */
  readonly statusText: string;
}

/** The loaded regression model and its last prediction on the open mesh's field file. */
export interface RegressionSnapshot {
  readonly status: "none" | "loading" | "ready";
  readonly label: string | null;
  /** The target's named type, e.g. `"temperature:0+wind:1"`. */
  readonly target: string | null;
  readonly inputFields: string[];
  readonly backend: string | null;
  /** The last prediction, in the mesh's coordinates by the target's columns (NaN as null), or null. */
  readonly prediction: {
    mesh: string;
    gaugeVersion: number;
    ambient: Record<string, (number | null)[]>;
  } | null;
}

/** The open mesh's field file as the page reads it. */
export interface FieldsSnapshot {
  readonly source: string | null;
  readonly fields: { name: string; order: number }[];
  readonly pairs: { truth: string; prediction: string }[];
  readonly choice: { color: string; glyph: string };
  readonly notes: string[];
  /** The Per-vertex data panel's field status text, as shown. */
  readonly statusText: string;
}

/**
 * What the browser tests read from and do to the page, installed as `window.__gemcnnViewer`.
 * Reading is free; actions go through the same methods as the controls. Tests still click, drop
 * files and take screenshots for the things a person does and sees.
 */
export interface ViewerInspectionHook {
  /** True once the first mesh is open and drawn. */
  readonly ready: boolean;
  /** Frames drawn so far. */
  readonly framesRendered: number;
  /** Resolves after the next frame is drawn. */
  nextFrame(): Promise<void>;
  /** Back to the state of a freshly loaded page (see `ViewerApp.reset`); resolves once drawn. */
  reset(): Promise<void>;
  /** Names of the built-in meshes, in list order. */
  builtinMeshes(): string[];
  openBuiltin(name: string): Promise<boolean>;
  /** The open mesh, the picked vertex, the error on show. */
  state(): {
    mesh: string | null;
    nVertices: number;
    nFaces: number;
    picked: number | null;
    pathTarget: number | null;
    /** The error on show, or null. */
    error: string | null;
    /** A notice on show (such as what a repair changed), or null. */
    notice: string | null;
    gaugeVersion: number;
    /** Whether the network is loaded: "absent" until first used, then "loading", "ready" or "failed". */
    network: string;
  };
  /** The surface's drawn vertex colours (RGB per vertex, float32 as drawn). */
  surfaceColors(): number[];
  /** Where a vertex is on screen (CSS pixels, page coordinates), and whether it faces the camera. */
  vertexOnScreen(vertex: number): { x: number; y: number; facing: boolean };
  /** Angle defect (radians) and Gaussian curvature (angle defect over area) of a vertex. */
  curvature(vertex: number): { angleDefect: number; density: number };
  /** The current frame of a vertex. */
  frame(vertex: number): FrameSnapshot;
  /** The drawn line segments of a glyph layer (pairs of 3D points, float32 as drawn). */
  glyphs(layer: GlyphLayerName): { visible: boolean; segments: number[] };
  /** The points the log-map inset shows. */
  logMapPoints(): LogMapPoint[];
  /** Scrambles the gauge; `transformFields: false` is the negative control that breaks the law. */
  scrambleGauge(options?: Partial<GaugeChangeOptions>): void;
  /** The trained classifier and its prediction for the open mesh. */
  classifier(): ClassifierSnapshot;
  /** Loads a classifier from a URL, as the Classifier panel's Load button does. */
  loadClassifierUrl(url: string): Promise<boolean>;
  /** Chooses the classifier layer channels to draw, as the Classifier panel's selects do. */
  chooseClassifierChannels(choice: LayerChannelChoice): void;
  /** The per-vertex model, labels and prediction. */
  perVertex(): PerVertexSnapshot;
  /** Chooses what the per-vertex colours show, as the Per-vertex data panel's select does. */
  setPerVertexView(view: PerVertexView): void;
  /** The regression model and its last prediction. */
  regression(): RegressionSnapshot;
  /** The field file of the open mesh. */
  fields(): FieldsSnapshot;
  /** Chooses the field to colour by and to draw (`field:<name>`, `pair:<truth>`, ""), as the panel's selects do. */
  chooseFields(choice: Partial<{ color: string; glyph: string }>): void;
  /** Reads a triple of columns as a vector or a line field, as the panel's select does. */
  setTripleKind(name: string, kind: TripleKind): void;
  /** Holonomy and enclosed angle defect of the last loop shown, or null. */
  holonomy(): { holonomy: number; enclosedCurvature: number; enclosedAngleDefect: number } | null;
}

declare global {
  interface Window {
    __gemcnnViewer?: ViewerInspectionHook;
  }
}

/** Installs the hook for `app`; `ready` turns true once `whenReady` resolves. */
export function installInspectionHook(app: ViewerApp, whenReady: Promise<unknown>): void {
  let ready = false;
  void whenReady.then(() => {
    ready = true;
  });
  const triple = (array: Float64Array, v: number) => Array.from(array.subarray(3 * v, 3 * v + 3));
  window.__gemcnnViewer = {
    get ready() {
      return ready;
    },
    get framesRendered() {
      return app.stage.framesRendered;
    },
    nextFrame() {
      const start = app.stage.framesRendered;
      app.stage.requestRender();
      return new Promise((resolve) => {
        const check = () => (app.stage.framesRendered > start ? resolve() : requestAnimationFrame(check));
        requestAnimationFrame(check);
      });
    },
    async reset() {
      await app.reset();
      await this.nextFrame();
    },
    builtinMeshes: () => app.builtinMeshNames(),
    openBuiltin: (name) => app.openBuiltin(name),
    state: () => ({
      mesh: app.model?.name ?? null,
      nVertices: app.model?.nVertices ?? 0,
      nFaces: app.model?.geometry.mesh.nFaces ?? 0,
      picked: app.picked,
      pathTarget: app.pathTarget,
      error: app.banner.isNotice ? null : app.banner.message,
      notice: app.banner.isNotice ? app.banner.message : null,
      gaugeVersion: app.model?.gaugeVersion ?? 0,
      network: app.network.state.status,
    }),
    surfaceColors: () => app.surfaceColors(),
    vertexOnScreen: (vertex) => app.vertexOnScreen(vertex),
    curvature(vertex) {
      const model = app.model!;
      return {
        angleDefect: model.geometry.vertexAngleDefects[vertex],
        density: model.curvatureDensity[vertex],
      };
    },
    frame(vertex) {
      const model = app.model!;
      return {
        vertex,
        position: triple(model.geometry.positions, vertex),
        e1: triple(model.frames.e1, vertex),
        e2: triple(model.frames.e2, vertex),
        n: triple(model.frames.n, vertex),
      };
    },
    glyphs(name) {
      const layer = app.layers[name];
      return { visible: layer.visible, segments: Array.from(layer.segments()) };
    },
    logMapPoints: () => [...app.vertexPanel.inset.drawnPoints],
    scrambleGauge: (options) => app.scrambleGauge(options),
    classifier() {
      const host = app.classifier;
      const loaded = host.loaded;
      const model = app.model;
      const result = model ? host.cached(model) : undefined;
      const prediction = result?.ok ? result.prediction : undefined;
      return {
        status: host.loading || app.modelLoading > 0 ? "loading" : loaded ? "ready" : "none",
        label: loaded?.classifier.label ?? null,
        classes: loaded ? [...loaded.classifier.classes] : [],
        backend: loaded?.backend ?? null,
        layers: loaded ? loaded.classifier.featureLayers.map((layer) => layer.name) : [],
        prediction: prediction
          ? {
              mesh: prediction.mesh,
              gaugeVersion: prediction.gaugeVersion,
              probabilities: Array.from(prediction.probabilities),
              logits: Array.from(prediction.logits),
              best: loaded!.classifier.classes[prediction.best],
            }
          : null,
        predictionError: result && !result.ok ? result.message : null,
        changeSinceReference: (model && prediction && host.changeSinceReference(model, prediction)) ?? null,
      };
    },
    loadClassifierUrl: (url) => app.loadClassifierUrl(url),
    chooseClassifierChannels: (choice) => app.setClassifierChoice(choice),
    perVertex() {
      const host = app.perVertex;
      const loaded = host.loaded;
      const model = app.model;
      const outcome = model ? host.cached(model) : undefined;
      const result = outcome?.ok ? outcome.result : undefined;
      const truth = app.perVertexTruth();
      const measured = result && truth ? vertexAccuracy(result.labels, truth) : undefined;
      const accuracy = measured && measured.counted > 0 ? measured.accuracy : null;
      const description = loaded?.description;
      return {
        status: host.loading || app.modelLoading > 0 ? "loading" : loaded ? "ready" : "none",
        task: description?.task ?? null,
        label: loaded?.model.label ?? null,
        classes: description ? [...description.classes] : [],
        templateVertices: description?.task === "correspondence" ? description.template.vertexCount : null,
        backend: loaded?.backend ?? null,
        prediction: result
          ? {
              mesh: result.mesh,
              gaugeVersion: result.gaugeVersion,
              labels: Array.from(result.labels),
              probability: Array.from(result.probability),
            }
          : null,
        predictionError: outcome && !outcome.ok ? outcome.message : null,
        truth: truth ? Array.from(truth) : null,
        accuracy,
        view: app.perVertexView,
        statusText: document.getElementById("pervertex-status")?.textContent ?? "",
      };
    },
    setPerVertexView: (view) => app.setPerVertexView(view),
    regression() {
      const host = app.regression;
      const loaded = host.loaded;
      const last = app.regressionPredictor?.last;
      return {
        status: host.loading || app.modelLoading > 0 ? "loading" : loaded ? "ready" : "none",
        label: loaded?.model.label ?? null,
        target: loaded ? loaded.model.targetType.toString() : null,
        inputFields: loaded ? loaded.model.inputFieldNames : [],
        backend: loaded?.backend ?? null,
        prediction: last
          ? {
              mesh: last.mesh,
              gaugeVersion: last.gaugeVersion,
              ambient: Object.fromEntries(
                [...last.ambient].map(([name, column]) => [
                  name,
                  Array.from(column, (x) => (Number.isFinite(x) ? x : null)),
                ]),
              ),
            }
          : null,
      };
    },
    fields() {
      const values = app.fieldFile ? app.userFieldValues() : undefined;
      return {
        source: app.fieldFile?.source ?? null,
        fields: values ? values.fields.map((f) => ({ name: f.name, order: f.order })) : [],
        pairs: values ? values.pairs.map((p) => ({ ...p })) : [],
        choice: { ...app.fieldChoice },
        notes: values ? [...values.notes] : [],
        statusText: document.getElementById("field-status")?.textContent ?? "",
      };
    },
    chooseFields: (choice) => app.setFieldChoice(choice),
    setTripleKind: (name, kind) => app.setTripleKind(name, kind),
    holonomy() {
      const last = app.lastTransport;
      return last && "holonomy" in last
        ? {
            holonomy: last.holonomy,
            enclosedCurvature: last.enclosedCurvature,
            enclosedAngleDefect: last.enclosedAngleDefect,
          }
        : null;
    },
  };
}
