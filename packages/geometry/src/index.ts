export { icosphere, type TriangleMeshData } from "./generate/icosphere.js";
export { angleDistance, wrapAngle } from "./geometry/angles.js";
export { GeometryError, type GeometryErrorKind } from "./geometry/errors.js";
export {
  type Gauge,
  type TangentFrameOptions,
  type TangentFrames,
  tangentFrames,
} from "./geometry/frames.js";
export {
  changeGaugeOfLogMap,
  changeGaugeOfTransport,
  randomGauge,
  rotateFrames,
} from "./geometry/gauge-change.js";
export { type LogMap, type LogMapMethod, logMap } from "./geometry/log-map.js";
export { MeshGeometry } from "./geometry/mesh-geometry.js";
export {
  geodesicBall,
  kRing,
  type NeighbourhoodOptions,
  type Neighbourhoods,
  neighbourhoodCentres,
  oneRing,
} from "./geometry/neighbourhoods.js";
export {
  type NeighbourhoodGeometry,
  type NeighbourhoodGeometryOptions,
  type NeighbourhoodSpec,
  precomputeNeighbourhoodGeometry,
} from "./geometry/precompute.js";
export { seededRandom } from "./geometry/random.js";
export { parallelTransport, type TransportMethod } from "./geometry/transport.js";
export { type MeshElement, MeshError, type MeshProblem, type MeshProblemKind } from "./mesh/errors.js";
export { buildConnectivity, SurfaceMesh, type SurfaceMeshArrays } from "./mesh/surface-mesh.js";
