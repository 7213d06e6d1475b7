import { FieldLinear, type FieldLinearArgs } from "./field-linear.js";
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
import {
  InvariantPooling,
  type InvariantPoolingArgs,
  TransportPooling,
  type TransportPoolingArgs,
  TransportUnpooling,
} from "./pooling.js";
import { ResidualBlock, type ResidualBlockArgs } from "./residual-block.js";

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

export function fieldLinear(args: FieldLinearArgs): FieldLinear {
  return new FieldLinear(args);
}

export function residualBlock(args: ResidualBlockArgs): ResidualBlock {
  return new ResidualBlock(args);
}

export function transportPooling(args: TransportPoolingArgs): TransportPooling {
  return new TransportPooling(args);
}

export function transportUnpooling(args: TransportPoolingArgs): TransportUnpooling {
  return new TransportUnpooling(args);
}
