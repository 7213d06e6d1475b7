import {
  GatedNonlinearity,
  type GatedNonlinearityArgs,
  NormNonlinearity,
  type NormNonlinearityArgs,
  RegularNonlinearity,
  type RegularNonlinearityArgs,
} from "./nonlinearities.js";

import {
  FieldDropout,
  type FieldDropoutArgs,
  FieldNormalization,
  type FieldNormalizationArgs,
} from "./normalization.js";

import { InvariantPooling, type InvariantPoolingArgs } from "./pooling.js";

export { gemConvLayer as gemConv } from "./gem-conv.js";

export function invariantPooling(args: InvariantPoolingArgs): InvariantPooling {
  return new InvariantPooling(args);
}

export function fieldNormalization(args: FieldNormalizationArgs): FieldNormalization {
  return new FieldNormalization(args);
}

export function fieldDropout(args: FieldDropoutArgs): FieldDropout {
  return new FieldDropout(args);
}

export function normNonlinearity(args: NormNonlinearityArgs): NormNonlinearity {
  return new NormNonlinearity(args);
}

export function gatedNonlinearity(args: GatedNonlinearityArgs): GatedNonlinearity {
  return new GatedNonlinearity(args);
}

export function regularNonlinearity(args: RegularNonlinearityArgs): RegularNonlinearity {
  return new RegularNonlinearity(args);
}
