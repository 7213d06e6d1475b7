import { BufferAttribute, BufferGeometry, DoubleSide, Mesh, MeshStandardMaterial } from "three";

/** Base colour of a mesh that shows no scalar field. */
export const PLAIN_SURFACE_RGB: readonly [number, number, number] = [0.72, 0.74, 0.78];

/**
 * Indexed three.js geometry of a triangle mesh: float32 positions (three's vertex format), the
 * triangles as they are (counter-clockwise from outside, which is also three's front face), and
 * smooth vertex normals for shading. A `color` attribute is always present so that switching
 * between plain and colour-mapped shading needs no new material.
 */
export function meshBufferGeometry(
  positions: ArrayLike<number>,
  triangles: ArrayLike<number>,
): BufferGeometry {
  const geometry = new BufferGeometry();
  geometry.setAttribute("position", new BufferAttribute(Float32Array.from(positions), 3));
  geometry.setIndex(new BufferAttribute(Uint32Array.from(triangles), 1));
  geometry.computeVertexNormals();
  const colors = new Float32Array(positions.length);
  for (let i = 0; i < colors.length; i += 3) colors.set(PLAIN_SURFACE_RGB, i);
  geometry.setAttribute("color", new BufferAttribute(colors, 3));
  geometry.computeBoundingSphere();
  return geometry;
}

/** Replaces the per-vertex colours (`[r, g, b]` per vertex, each in [0, 1]). */
export function setVertexColors(geometry: BufferGeometry, rgb: Float32Array): void {
  const attribute = geometry.getAttribute("color") as BufferAttribute;
  if (rgb.length !== attribute.array.length) {
    throw new RangeError(`setVertexColors: expected ${attribute.array.length} values, got ${rgb.length}`);
  }
  (attribute.array as Float32Array).set(rgb);
  attribute.needsUpdate = true;
}

/** Resets the colours to the plain surface colour. */
export function clearVertexColors(geometry: BufferGeometry): void {
  const attribute = geometry.getAttribute("color") as BufferAttribute;
  const array = attribute.array as Float32Array;
  for (let i = 0; i < array.length; i += 3) array.set(PLAIN_SURFACE_RGB, i);
  attribute.needsUpdate = true;
}

/**
 * The shaded surface. Polygon offset pushes it slightly back in depth so that glyphs drawn on the
 * surface (arrows, crosses, paths) are not hidden by it.
 */
export function surfaceMesh(geometry: BufferGeometry): Mesh {
  const material = new MeshStandardMaterial({
    vertexColors: true,
    roughness: 0.75,
    metalness: 0.0,
    side: DoubleSide,
    polygonOffset: true,
    polygonOffsetFactor: 1,
    polygonOffsetUnits: 1,
  });
  const mesh = new Mesh(geometry, material);
  mesh.name = "surface";
  return mesh;
}
