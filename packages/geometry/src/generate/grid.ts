import type { TriangleMeshData } from "../mesh/mesh-data.js";

export interface GridOptions {
  /** Cells along x (default 10). */
  readonly nx?: number;
  /** Cells along y (default 10). */
  readonly ny?: number;
  /** Extent along x (default 1). */
  readonly width?: number;
  /** Extent along y (default 1). */
  readonly height?: number;
}

/**
 * Flat rectangular grid in the plane z = 0, centred on the origin: `(nx + 1)·(ny + 1)` vertices
 * numbered row by row (vertex `j·(nx + 1) + i` at x = −width/2 + width·i/nx, y = −height/2 +
 * height·j/ny), each cell split into two triangles along the same diagonal, counter-clockwise
 * seen from +z (the normal is +z). One boundary loop; a disc (χ = 1).
 */
export function grid(options: GridOptions = {}): TriangleMeshData {
  const nx = options.nx ?? 10;
  const ny = options.ny ?? 10;
  const width = options.width ?? 1;
  const height = options.height ?? 1;
  for (const [name, n] of [
    ["nx", nx],
    ["ny", ny],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`grid ${name} must be an integer ≥ 1, got ${n}`);
  }
  for (const [name, x] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (!(Number.isFinite(x) && x > 0))
      throw new RangeError(`grid ${name} must be a positive number, got ${x}`);
  }
  const positions = new Float64Array(3 * (nx + 1) * (ny + 1));
  for (let j = 0; j <= ny; j++) {
    for (let i = 0; i <= nx; i++) {
      const v = j * (nx + 1) + i;
      positions[3 * v] = -width / 2 + (width * i) / nx;
      positions[3 * v + 1] = -height / 2 + (height * j) / ny;
    }
  }
  const triangles = new Uint32Array(6 * nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const a = j * (nx + 1) + i;
      const b = a + 1;
      const c = a + nx + 2;
      const d = a + nx + 1;
      triangles.set([a, b, c, a, c, d], 6 * (j * nx + i));
    }
  }
  return { positions, triangles };
}
