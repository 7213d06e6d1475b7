import bunnyPackage from "bunny";
import type { TriangleMeshData } from "../mesh/mesh-data.js";

/**
 * The Stanford bunny (a real scanned mesh) from the npm `bunny` package (public domain, version
 * 1.0.1): 1839 vertices, 3674 faces, in the package's units (about 10 across, y up). As shipped
 * it is already valid: closed (its scan holes were filled), manifold, genus 0, no duplicate or
 * unreferenced vertices, no degenerate faces, consistently oriented with positive signed volume
 * (outward). The tests check all of this, so no repair is applied. Returns fresh arrays.
 */
export function bunny(): TriangleMeshData {
  const { positions, cells } = bunnyPackage;
  return {
    positions: Float64Array.from(positions.flat()),
    triangles: Uint32Array.from(cells.flat()),
  };
}
