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
export * as testing from "./testing.js";
