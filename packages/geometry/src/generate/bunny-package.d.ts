// The npm `bunny` package (public domain) ships no types: a CommonJS module exporting the
// Stanford bunny as nested arrays.
declare module "bunny" {
  const bunny: {
    /** Vertex coordinates `[x, y, z]`. */
    positions: number[][];
    /** Triangles as three 0-based vertex indices. */
    cells: number[][];
  };
  export default bunny;
}
