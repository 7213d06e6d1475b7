import {
  GatedNonlinearity,
  type GatedNonlinearityArgs,
  NormNonlinearity,
  type NormNonlinearityArgs,
  RegularNonlinearity,
  type RegularNonlinearityArgs,
} from "./nonlinearities.js";

export { gemConvLayer as gemConv } from "./gem-conv.js";

export function normNonlinearity(args: NormNonlinearityArgs): NormNonlinearity {
  return new NormNonlinearity(args);
}

export function gatedNonlinearity(args: GatedNonlinearityArgs): GatedNonlinearity {
  return new GatedNonlinearity(args);
}

export function regularNonlinearity(args: RegularNonlinearityArgs): RegularNonlinearity {
  return new RegularNonlinearity(args);
}
