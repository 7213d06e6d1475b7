import type { ConvGraph } from "./graph.js";

/**
 * The graph that graph layers (GemConv, pooling) use when none is passed in their call's kwargs.
 * tfjs models call their layers with tensors only, so the mesh a model runs on is set around
 * the call: `withConvGraph(graph, () => model.predict(x, { batchSize: graph.nVertices }))`.
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
