export {
  assertFieldMapEquivariant,
  assertRelativelyClose,
  checkFieldMapEquivariance,
  dtypeOf,
  EQUIVARIANCE_TOLERANCE,
  EquivarianceError,
  type FieldMap,
  type FieldMapCheckOptions,
  type FloatDtype,
  relativeError,
  type ToleranceOptions,
} from "./equivariance.js";
export {
  FieldTypeParseError,
  GaugeArgumentError,
  type NonlinearityKind,
  UnsupportedFieldTypeError,
} from "./errors.js";
export {
  assertPackedField,
  FieldType,
  type FieldTypeTerm,
  type FloatArray,
  type IrrepCopy,
  MAX_FIELD_TYPE_DIM,
  MAX_FIELD_TYPE_ORDER,
  type RegularStructure,
  type TermSlice,
} from "./field-type.js";
export { assertOrder, irrepCompose, irrepDim, irrepInverse, irrepMatrix } from "./irrep.js";
export {
  irrepKernelBasis,
  irrepSelfInteractionBasis,
  KernelBasis,
  type KernelBasisBlock,
  KernelBasisElement,
  type KernelKind,
  type KernelPart,
  kernelBasis,
  SelfInteractionBasis,
  selfInteractionBasis,
} from "./kernel-basis.js";
export {
  MAX_FIELD_NAME_LENGTH,
  NamedFieldType,
  type NamedFieldTypeJSON,
  type NamedIrrepCopy,
  type NamedOrder,
} from "./named-field-type.js";
export {
  applyGatedNonlinearity,
  applyNormNonlinearity,
  applyPointwiseNonlinearity,
  applyRegularNonlinearity,
  measureRegularEquivarianceError,
  regularChannelOffsets,
  regularReconstructionMatrix,
  regularSamplingAngles,
  regularSamplingMatrix,
  type ScalarFunction,
} from "./nonlinearity-math.js";
export {
  type GaussianShellOptions,
  gaussianShellWeights,
  type RadialProfile,
  type RingOptions,
  radialProfileSize,
  radialWeights,
  ringWeights,
} from "./radial.js";
export { randomField, randomGaugeAngles, SeededRandom } from "./random.js";
