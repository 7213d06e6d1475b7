export {
  type ArticulatedBody,
  type ArticulatedBodyOptions,
  articulatedBodies,
  BODY_PARTS,
  type BodyPart,
  type BodyPose,
  type BodyShape,
  DEFAULT_BODY_SHAPE,
  REST_POSE,
  randomBodyPose,
  randomBodyShape,
} from "./generate/articulated-body.js";
export { type BumpySphereOptions, bumpySphere } from "./generate/bumpy-sphere.js";
export { bunny } from "./generate/bunny.js";
export { geodesicSphere } from "./generate/geodesic-sphere.js";
export { type GridOptions, grid } from "./generate/grid.js";
export { icosphere } from "./generate/icosphere.js";
export {
  DEFAULT_WIND_LEVEL,
  type Jet,
  rotateWeatherSystems,
  type SphericalWindDatasetOptions,
  type SphericalWindOptions,
  type SphericalWindSample,
  sphericalWindAt,
  sphericalWindDataset,
  sphericalWindSample,
  type Vortex,
  type WeatherSystem,
  WIND_CLASSES,
  type WindClass,
  type WindField,
} from "./generate/spherical-wind.js";
export { type TorusOptions, torus } from "./generate/torus.js";
export { angleDistance, wrapAngle } from "./geometry/angles.js";
export { GeometryError, type GeometryErrorKind } from "./geometry/errors.js";
export {
  type ExactGeodesicOptions,
  exactGeodesicDistances,
  exactGeodesicDistancesTo,
} from "./geometry/exact-geodesics.js";
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
export {
  cotanLaplacianOf,
  type LaplacianEigenpairsOptions,
  laplacianEigenpairs,
  MAX_COTANGENT,
  vertexAreasOf,
} from "./geometry/laplacian.js";
export { type LogMap, type LogMapMethod, logMap } from "./geometry/log-map.js";
export { MeshGeometry } from "./geometry/mesh-geometry.js";
export { MinHeap } from "./geometry/min-heap.js";
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
export {
  applyRigidMotion,
  moveMesh,
  type RigidMotion,
  randomRigidMotion,
} from "./geometry/rigid-motion.js";
export { rotationFromQuaternion } from "./geometry/rotation.js";
export {
  ambientToFrameCoefficients,
  DEFAULT_NORMAL_TOLERANCE,
  type DirectionField,
  describeNormalComponents,
  directionsToFrameCoefficients,
  type FrameCoefficients,
  frameCoefficientsToAmbient,
  frameCoefficientsToDirections,
  type NormalComponentPolicy,
  type NormalComponentReport,
  normalComponentReport,
  TangentFieldError,
  type TangentProjectionOptions,
  UNJUDGED_LENGTH_FRACTION,
} from "./geometry/tangent-fields.js";
export { parallelTransport, type TransportMethod } from "./geometry/transport.js";
export { type MeshFormat, meshFormatOf, parseMesh, serializeMesh } from "./io/formats.js";
export {
  faceLabelsToVertexLabels,
  formatLabels,
  LABEL_EXTENSIONS,
  type LabelElement,
  LabelFileError,
  labelElementOf,
  type ParseLabelsOptions,
  parseLabels,
  vertexLabelsToFaceLabels,
} from "./io/labels.js";
export { MeshParseError } from "./io/mesh-parse-error.js";
export { parseObj, type WriteObjOptions, writeObj } from "./io/obj.js";
export { parseOff, writeOff } from "./io/off.js";
export { type PlyFormat, parsePly, writePly } from "./io/ply.js";
export {
  type PlyWithVertexProperties,
  parsePlyVertexProperties,
  writePlyWithVertexProperties,
} from "./io/ply-properties.js";
export { escapeControlCharacters } from "./io/printable.js";
export type { MeshInput } from "./io/text.js";
export {
  formatVertexFieldsCsv,
  formatVertexFieldsJson,
  type ParseVertexColumnsOptions,
  parseVertexFieldsCsv,
  parseVertexFieldsJson,
  VERTEX_FIELD_EXTENSIONS,
  type VertexColumns,
  VertexFieldFileError,
  type VertexFieldFormat,
  type VertexFieldLocation,
  vertexFieldFormatOf,
} from "./io/vertex-fields.js";
export { type MeshElement, MeshError, type MeshProblem, type MeshProblemKind } from "./mesh/errors.js";
export type { TriangleMeshData } from "./mesh/mesh-data.js";
export { type RelabelledMesh, relabelMesh } from "./mesh/relabel.js";
export {
  type DroppedFace,
  type DroppedFaceReason,
  type MeshRepairOptions,
  type MeshRepairReport,
  repairMesh,
  type SplitEdge,
} from "./mesh/repair.js";
export { buildConnectivity, SurfaceMesh, type SurfaceMeshArrays } from "./mesh/surface-mesh.js";
export {
  assertValidMesh,
  DEFAULT_RELATIVE_AREA_TOLERANCE,
  type MeshCounts,
  type MeshValidationOptions,
  type MeshValidationReport,
  validateMesh,
} from "./mesh/validate.js";
export { mulberry32, withSeededMathRandom } from "./random.js";
export { type SymmetricEigen, symmetricEigen } from "./sparse/dense-eigen.js";
export { type Eigenpairs, type SmallestEigenpairsOptions, smallestEigenpairs } from "./sparse/eigen.js";
export { SparseSolverError, type SparseSolverErrorKind } from "./sparse/errors.js";
export { type LDLTAnalysis, SparseLDLT, type SparseLDLTOptions } from "./sparse/ldlt.js";
export { type NestedDissectionOptions, nestedDissectionOrdering } from "./sparse/ordering.js";
export { SparseMatrix } from "./sparse/sparse-matrix.js";
