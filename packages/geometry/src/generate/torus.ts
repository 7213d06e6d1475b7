import type { TriangleMeshData } from "../mesh/mesh-data.js";

export interface TorusOptions {
  /** Distance from the centre to the middle of the tube (default 1). */
  readonly majorRadius?: number;
  /** Radius of the tube, smaller than `majorRadius` (default 0.4). */
  readonly minorRadius?: number;
  /** Segments around the z axis, at least 3 (default 32). */
  readonly majorSegments?: number;
  /** Segments around the tube, at least 3 (default 16). */
  readonly minorSegments?: number;
}

function checkSegments(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 3) throw new RangeError(`torus ${name} must be an integer ≥ 3, got ${n}`);
}

/**
 * Torus around the z axis: vertex (i, j) at angle u = 2πi/majorSegments about z and v =
 * 2πj/minorSegments about the tube, at ((R + r cos v) cos u, (R + r cos v) sin u, r sin v).
 * Closed, genus 1, `majorSegments·minorSegments` vertices and twice as many faces, outward
 * counter-clockwise orientation.
 */
export function torus(options: TorusOptions = {}): TriangleMeshData {
  const R = options.majorRadius ?? 1;
  const r = options.minorRadius ?? 0.4;
  const nu = options.majorSegments ?? 32;
  const nv = options.minorSegments ?? 16;
  if (!(Number.isFinite(R) && Number.isFinite(r) && r > 0 && R > r)) {
    throw new RangeError(`torus needs 0 < minorRadius < majorRadius, got minorRadius ${r}, majorRadius ${R}`);
  }
  checkSegments("majorSegments", nu);
  checkSegments("minorSegments", nv);
  const positions = new Float64Array(3 * nu * nv);
  const triangles = new Uint32Array(6 * nu * nv);
  const id = (i: number, j: number) => (i % nu) * nv + (j % nv);
  for (let i = 0; i < nu; i++) {
    const u = (2 * Math.PI * i) / nu;
    for (let j = 0; j < nv; j++) {
      const v = (2 * Math.PI * j) / nv;
      const ring = R + r * Math.cos(v);
      positions.set([ring * Math.cos(u), ring * Math.sin(u), r * Math.sin(v)], 3 * id(i, j));
      // ∂/∂u × ∂/∂v points away from the tube's axis, so (i,j) → (i+1,j) → (i+1,j+1) is
      // counter-clockwise seen from outside.
      const a = id(i, j);
      const b = id(i + 1, j);
      const c = id(i + 1, j + 1);
      const d = id(i, j + 1);
      triangles.set([a, b, c, a, c, d], 6 * a);
    }
  }
  return { positions, triangles };
}
