import type { PreprocessedMesh } from "@gemcnn/features";

/** Parses the orders of a canonical field type such as `"9x0+2x1+1x2"` into one order per copy. */
export function fieldOrders(fieldType: string): number[] {
  const orders: number[] = [];
  for (const term of fieldType.split("+")) {
    const match = /^(\d+)x(\d+)$/.exec(term.trim());
    if (!match) throw new Error(`malformed field type "${fieldType}"`);
    for (let i = 0; i < Number(match[1]); i++) orders.push(Number(match[2]));
  }
  return orders;
}

/**
 * A fixed-length, gauge-invariant summary of a mesh's features: for every scalar channel its
 * mean, standard deviation and 10/50/90% quantiles over the vertices; for every order-1 or
 * order-2 copy the mean and standard deviation of its norm (the only invariants of a rotating
 * 2-vector). The input of the linear probe.
 */
export function pooledStatistics(mesh: PreprocessedMesh): Float64Array {
  const orders = fieldOrders(mesh.fieldType);
  const dim = orders.reduce((d, n) => d + (n === 0 ? 1 : 2), 0);
  const V = mesh.nVertices;
  const out: number[] = [];
  const column = new Float64Array(V);
  let offset = 0;
  for (const n of orders) {
    for (let v = 0; v < V; v++) {
      const i = v * dim + offset;
      column[v] = n === 0 ? mesh.features[i] : Math.hypot(mesh.features[i], mesh.features[i + 1]);
    }
    let mean = 0;
    for (let v = 0; v < V; v++) mean += column[v];
    mean /= V;
    let variance = 0;
    for (let v = 0; v < V; v++) variance += (column[v] - mean) ** 2;
    out.push(mean, Math.sqrt(variance / V));
    if (n === 0) {
      const sorted = column.slice().sort();
      for (const q of [0.1, 0.5, 0.9]) out.push(sorted[Math.round(q * (V - 1))]);
    }
    offset += n === 0 ? 1 : 2;
  }
  return Float64Array.from(out);
}
