import type { ConvGraph } from "./graph.js";

/**
 * Keyword arguments of the graph layers' `call` (GemConv, ResidualBlock, InvariantPooling): the
 * graph of one mesh to run on, which beats every graph set around the call (see `layerGraph`).
 */
export interface GraphKwargs {
  graph?: ConvGraph;
}

/**
 * The graph that graph layers use when neither their call's kwargs nor an active mesh batch give
 * one (the last step of `layerGraph`'s rule). tfjs models call their layers with tensors only, so
 * the mesh a model runs on is set around the call:
 * `withConvGraph(graph, () => model.predict(x, { batchSize: graph.nVertices }))`.
 */
const stack: ConvGraph[] = [];

/** Runs `fn` with `graph` as the active convolution graph (nested calls stack). */
export function withConvGraph<T>(graph: ConvGraph, fn: () => T): T {
  stack.push(graph);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/** The innermost graph set by `withConvGraph`, or `undefined`. */
export function activeConvGraph(): ConvGraph | undefined {
  return stack.at(-1);
}
