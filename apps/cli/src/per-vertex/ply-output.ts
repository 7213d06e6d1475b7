import type { TriangleMeshData } from "@gemcnn/geometry";

/**
 * The mesh as a binary little-endian PLY with `float x, y, z`, optional `uchar red, green, blue`
 * and `int label` per vertex, and faces as `list uchar int vertex_indices`: the layout of the
 * model directory's `template.ply` and of `predict`'s coloured meshes (docs in the CLI README),
 * which MeshLab, Blender and three's PLYLoader show in colour. Written here rather than with
 * geometry's `writePly`/`writePlyWithVertexProperties`, which store coordinates and extra
 * properties as doubles (colours must be uchar for those tools).
 */
export function writeVertexColouredPly(
  data: TriangleMeshData,
  options: { colours?: Uint8Array; labels?: ArrayLike<number> } = {},
): Uint8Array {
  const { positions, triangles } = data;
  const nVertices = positions.length / 3;
  const nFaces = triangles.length / 3;
  const { colours, labels } = options;
  if (colours !== undefined && colours.length !== 3 * nVertices)
    throw new RangeError(`writeVertexColouredPly: ${colours.length / 3} colours for ${nVertices} vertices`);
  if (labels !== undefined && labels.length !== nVertices)
    throw new RangeError(`writeVertexColouredPly: ${labels.length} labels for ${nVertices} vertices`);
  const header = [
    "ply",
    "format binary_little_endian 1.0",
    "comment written by gemcnn",
    `element vertex ${nVertices}`,
    "property float x",
    "property float y",
    "property float z",
    ...(colours ? ["property uchar red", "property uchar green", "property uchar blue"] : []),
    ...(labels ? ["property int label"] : []),
    `element face ${nFaces}`,
    "property list uchar int vertex_indices",
    "end_header",
    "",
  ].join("\n");
  const head = new TextEncoder().encode(header);
  const vertexBytes = 12 + (colours ? 3 : 0) + (labels ? 4 : 0);
  const out = new Uint8Array(head.length + vertexBytes * nVertices + 13 * nFaces);
  out.set(head);
  const view = new DataView(out.buffer);
  let at = head.length;
  for (let v = 0; v < nVertices; v++) {
    for (let c = 0; c < 3; c++, at += 4) view.setFloat32(at, positions[3 * v + c], true);
    if (colours) for (let c = 0; c < 3; c++) view.setUint8(at++, colours[3 * v + c]);
    if (labels) {
      view.setInt32(at, labels[v], true);
      at += 4;
    }
  }
  for (let f = 0; f < nFaces; f++) {
    view.setUint8(at++, 3);
    for (let c = 0; c < 3; c++, at += 4) view.setInt32(at, triangles[3 * f + c], true);
  }
  return out;
}

/** A distinct colour per label (golden-ratio hues), grey for −1 (no prediction). */
export function labelColours(labels: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(3 * labels.length);
  for (let v = 0; v < labels.length; v++) {
    const label = labels[v];
    const rgb = label < 0 ? [128, 128, 128] : hsvToRgb((label * 0.618033988749895) % 1, 0.65, 0.95);
    out.set(rgb, 3 * v);
  }
  return out;
}

/**
 * Colours of template points carried to a mesh: template vertex `k` gets its position in the
 * template's bounding box as red, green and blue (a smooth map, so that a good correspondence
 * shows the template's smooth colouring and errors show as patches); −1 grey.
 */
export function templateColours(templatePositions: Float64Array, matched: ArrayLike<number>): Uint8Array {
  const lo = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  const hi = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let i = 0; i < templatePositions.length; i++) {
    lo[i % 3] = Math.min(lo[i % 3], templatePositions[i]);
    hi[i % 3] = Math.max(hi[i % 3], templatePositions[i]);
  }
  const out = new Uint8Array(3 * matched.length);
  for (let v = 0; v < matched.length; v++) {
    const k = matched[v];
    for (let c = 0; c < 3; c++) {
      const t = k < 0 ? 0.5 : (templatePositions[3 * k + c] - lo[c]) / (hi[c] - lo[c] || 1);
      out[3 * v + c] = Math.round(40 + 200 * t);
    }
  }
  return out;
}

function hsvToRgb(h: number, s: number, v: number): number[] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const [p, q, t] = [v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)];
  const rgb = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i % 6];
  return rgb.map((x) => Math.round(255 * x));
}
