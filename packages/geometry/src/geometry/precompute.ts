import { GeometryError } from "./errors.js";
import { checkFrames, type TangentFrameOptions, type TangentFrames, tangentFrames } from "./frames.js";
import { intrinsicFrameOffsets, intrinsicLogMap, type LogMapMethod, logMap } from "./log-map.js";
import type { MeshGeometry } from "./mesh-geometry.js";
import { geodesicBall, kRing, type Neighbourhoods, oneRing } from "./neighbourhoods.js";
import { pairHalfedges } from "./pair-halfedges.js";
import { leviCivitaTransport, parallelTransport, type TransportMethod } from "./transport.js";

/** Which vertices make up each vertex's neighbourhood. */
export type NeighbourhoodSpec =
  | { readonly kind: "one-ring" }
  | { readonly kind: "k-ring"; readonly k: number }
  | { readonly kind: "geodesic-ball"; readonly radius: number };

export interface NeighbourhoodGeometryOptions {
  /** Default `{ kind: "one-ring" }`. */
  neighbourhood?: NeighbourhoodSpec;
  /** Whether each vertex is its own first neighbour; default true. */
  includeSelf?: boolean;
  /** Default `"intrinsic"` for the 1-ring, `"projection"` otherwise (intrinsic needs edges). */
  logMap?: LogMapMethod;
  /** Default `"levi-civita"` for the 1-ring, `"normal-rotation"` otherwise (Levi-Civita needs edges). */
  transport?: TransportMethod;
  /** Frames to use; otherwise `tangentFrames(geometry, frameOptions)`. */
  frames?: TangentFrames;
  frameOptions?: TangentFrameOptions;
}

/**
 * Everything a GEM convolution needs about the mesh: neighbourhoods, the frames, and for each pair
 * `(p, q)` (aligned with `neighbourhoods.indices`) the log map `r, θ` and the transport `g(q→p)`.
 */
export interface NeighbourhoodGeometry {
  readonly neighbourhoods: Neighbourhoods;
  readonly frames: TangentFrames;
  readonly r: Float64Array;
  readonly theta: Float64Array;
  readonly g: Float64Array;
  readonly logMapMethod: LogMapMethod;
  readonly transportMethod: TransportMethod;
}

/**
 * Neighbourhoods, frames, log map and transport in one call.
 *
 * Defaults: the 1-ring with the vertex itself, reference-neighbour frames, the intrinsic log map
 * and Levi-Civita transport. The intrinsic pair is exact for the mesh's own (polyhedral) metric,
 * depends only on edge lengths, so it does not change when a shape bends without stretching
 * (useful for non-rigid shapes), and is cheaper. For larger neighbourhoods the defaults become
 * GEM-CNN's projection and normal rotation; choose those for the 1-ring too to reproduce GEM-CNN's
 * preprocessing.
 */
export function precomputeNeighbourhoodGeometry(
  geometry: MeshGeometry,
  options: NeighbourhoodGeometryOptions = {},
): NeighbourhoodGeometry {
  const spec = options.neighbourhood ?? { kind: "one-ring" };
  const includeSelf = options.includeSelf ?? true;
  let neighbourhoods: Neighbourhoods;
  let edgesOnly: boolean;
  switch (spec.kind) {
    case "one-ring":
      neighbourhoods = oneRing(geometry.mesh, { includeSelf });
      edgesOnly = true;
      break;
    case "k-ring":
      neighbourhoods = kRing(geometry.mesh, spec.k, { includeSelf });
      edgesOnly = spec.k === 1;
      break;
    case "geodesic-ball":
      neighbourhoods = geodesicBall(geometry, spec.radius, { includeSelf });
      edgesOnly = false;
      break;
    default:
      throw new GeometryError(
        "invalid-argument",
        `precomputeNeighbourhoodGeometry: unknown neighbourhood kind ${JSON.stringify((spec as { kind: unknown }).kind)} (expected "one-ring", "k-ring" or "geodesic-ball")`,
      );
  }
  const logMapMethod = options.logMap ?? (edgesOnly ? "intrinsic" : "projection");
  const transportMethod = options.transport ?? (edgesOnly ? "levi-civita" : "normal-rotation");
  const frames = options.frames ?? tangentFrames(geometry, options.frameOptions);
  checkFrames(frames, geometry.mesh.nVertices, "precomputeNeighbourhoodGeometry (options.frames)");

  if (logMapMethod === "intrinsic" && transportMethod === "levi-civita") {
    // Both need the same pair halfedges and frame offsets: compute them once.
    const caller = "precomputeNeighbourhoodGeometry (intrinsic log map, Levi-Civita transport)";
    const halfedges = pairHalfedges(geometry.mesh, neighbourhoods, caller);
    const frameOffsets = intrinsicFrameOffsets(geometry, frames);
    const { r, theta } = intrinsicLogMap(geometry, frameOffsets, neighbourhoods, halfedges);
    const g = leviCivitaTransport(geometry, frameOffsets, neighbourhoods, halfedges);
    return { neighbourhoods, frames, r, theta, g, logMapMethod, transportMethod };
  }
  const { r, theta } = logMap(geometry, frames, neighbourhoods, { method: logMapMethod });
  const g = parallelTransport(geometry, frames, neighbourhoods, { method: transportMethod });
  return { neighbourhoods, frames, r, theta, g, logMapMethod, transportMethod };
}
