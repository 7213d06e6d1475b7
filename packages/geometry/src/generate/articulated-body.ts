import { MinHeap } from "../geometry/min-heap.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { mulberry32 } from "../random.js";

/*
 * Synthetic articulated bodies for per-vertex learning: a torso, a head and four limbs, in several
 * proportions and poses, FAUST in miniature. The surface is a box-modelled control cage (a torso
 * box with extruded limbs and neck) smoothed by Catmull-Clark subdivision: a closed genus-0
 * manifold by construction. Poses bend the rest (T-pose) surface at shoulders, elbows, hips, knees
 * and neck by linear blend skinning with smooth weights: the limbs move rigidly and only the joints
 * stretch or compress (between random poses, edge lengths change by a median of 0.1 % and at most
 * 10–12 % for nine edges in ten; the inner side of a bent elbow or knee by up to a third).
 * Everything is seeded.
 */

/** Proportions of a body (lengths in units of about a body height of 2.5). */
export interface BodyShape {
  /** Half-width, half-depth and height of the torso. */
  readonly torsoWidth: number;
  readonly torsoDepth: number;
  readonly torsoHeight: number;
  readonly armLength: number;
  /** Cross-section of the limbs, relative to the part of the torso they grow from. */
  readonly armThickness: number;
  readonly legLength: number;
  readonly legThickness: number;
  readonly neckLength: number;
  readonly headSize: number;
  /**
   * How much longer and thicker the right limbs are than the left (default 0.08): without it the
   * body is mirror symmetric and the two sides of a correspondence are told apart only by the
   * orientation of the surface.
   */
  readonly asymmetry?: number;
}

/** Joint angles of a pose, in radians (all 0: the rest T-pose). */
export interface BodyPose {
  /** Arms down from horizontal (about the front-back axis), per side: [left, right]. */
  readonly shoulder: readonly [number, number];
  /** Forearms bent forward from the upper arms. */
  readonly elbow: readonly [number, number];
  /** Legs forward from vertical. */
  readonly hip: readonly [number, number];
  /** Shins bent backward from the thighs. */
  readonly knee: readonly [number, number];
  /** Head tilted forward. */
  readonly neck: number;
}

/** Part labels of `articulatedBodies` (left and right share a label, as in the Princeton benchmark's humans). */
export const BODY_PARTS = ["torso", "head", "upper-arm", "forearm", "thigh", "shin"] as const;
export type BodyPart = (typeof BODY_PARTS)[number];

/** The first body: the proportions every other one varies around. */
export const DEFAULT_BODY_SHAPE: BodyShape = Object.freeze({
  torsoWidth: 0.36,
  torsoDepth: 0.2,
  torsoHeight: 0.85,
  armLength: 0.85,
  armThickness: 0.7,
  legLength: 1.05,
  legThickness: 0.85,
  neckLength: 0.12,
  headSize: 0.32,
});

/** The rest pose. */
export const REST_POSE: BodyPose = Object.freeze({
  shoulder: [0, 0] as const,
  elbow: [0, 0] as const,
  hip: [0, 0] as const,
  knee: [0, 0] as const,
  neck: 0,
});

/** Seeded proportions within ±15 % (thickness ±12 %) of `DEFAULT_BODY_SHAPE`; index 0 is the default. */
export function randomBodyShape(seed: number): BodyShape {
  const random = mulberry32(seed);
  const vary = (x: number, spread: number) => x * (1 + spread * (2 * random() - 1));
  const d = DEFAULT_BODY_SHAPE;
  return {
    torsoWidth: vary(d.torsoWidth, 0.15),
    torsoDepth: vary(d.torsoDepth, 0.15),
    torsoHeight: vary(d.torsoHeight, 0.15),
    armLength: vary(d.armLength, 0.15),
    armThickness: vary(d.armThickness, 0.12),
    legLength: vary(d.legLength, 0.15),
    legThickness: vary(d.legThickness, 0.12),
    neckLength: vary(d.neckLength, 0.15),
    headSize: vary(d.headSize, 0.15),
  };
}

/** A seeded pose: arms 10°–60° down, elbows and knees up to 50°, hips −20°–35°, neck −15°–20°. */
export function randomBodyPose(seed: number): BodyPose {
  const random = mulberry32(seed);
  const degrees = (lo: number, hi: number) => ((lo + (hi - lo) * random()) * Math.PI) / 180;
  return {
    shoulder: [degrees(10, 60), degrees(10, 60)],
    elbow: [degrees(0, 50), degrees(0, 50)],
    hip: [degrees(-20, 35), degrees(-20, 35)],
    knee: [degrees(0, 50), degrees(0, 50)],
    neck: degrees(-15, 20),
  };
}

type Vec = [number, number, number];

const sub = (a: Vec, b: Vec): Vec => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a: Vec, b: Vec): Vec => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const scale = (a: Vec, s: number): Vec => [a[0] * s, a[1] * s, a[2] * s];
const dot = (a: Vec, b: Vec) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec, b: Vec): Vec => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

/** A limb's skeleton in the rest pose: root joint, middle joint, end, and the bending axes. */
interface Limb {
  readonly part: "arm" | "leg" | "head";
  readonly side: 0 | 1;
  readonly root: Vec;
  /** Unit direction from the root along the limb. */
  readonly axis: Vec;
  readonly length: number;
  /** Distance of the middle joint (elbow, knee) from the root. */
  readonly middle: number;
  /** Half-thickness at the root, for the reach of the skinning weights. */
  readonly radius: number;
}

/** A quad cage: positions and counter-clockwise quads (seen from outside). */
interface Cage {
  readonly positions: Vec[];
  readonly quads: number[][];
  readonly limbs: Limb[];
}

function bodyCage(shape: BodyShape): Cage {
  const { torsoWidth: w, torsoDepth: d, torsoHeight: h } = shape;
  const asym = shape.asymmetry ?? 0.08;
  const positions: Vec[] = [];
  const xs = [-w, -w / 3, w / 3, w];
  const ys = [-d, d];
  const zs = [0, h / 2, h];
  const id = (i: number, j: number, k: number) => (k * 2 + j) * 4 + i;
  for (const z of zs) for (const y of ys) for (const x of xs) positions.push([x, y, z]);
  const quads: number[][] = [];
  const centroid = (q: number[]) => scale(q.map((v) => positions[v]).reduce(add), 1 / q.length);
  /** Adds a quad, turned so that its normal points along `outward`. */
  const quad = (q: number[], outward: Vec) => {
    const [a, b, c] = q.map((v) => positions[v]);
    quads.push(dot(cross(sub(b, a), sub(c, a)), outward) >= 0 ? q : [...q].reverse());
    return quads.length - 1;
  };
  const faceOf = new Map<string, number>();
  for (let i = 0; i < 3; i++) {
    faceOf.set(`bottom${i}`, quad([id(i, 0, 0), id(i + 1, 0, 0), id(i + 1, 1, 0), id(i, 1, 0)], [0, 0, -1]));
    faceOf.set(`top${i}`, quad([id(i, 0, 2), id(i + 1, 0, 2), id(i + 1, 1, 2), id(i, 1, 2)], [0, 0, 1]));
    for (let k = 0; k < 2; k++) {
      quad([id(i, 0, k), id(i + 1, 0, k), id(i + 1, 0, k + 1), id(i, 0, k + 1)], [0, -1, 0]);
      quad([id(i, 1, k), id(i + 1, 1, k), id(i + 1, 1, k + 1), id(i, 1, k + 1)], [0, 1, 0]);
    }
  }
  for (let k = 0; k < 2; k++) {
    faceOf.set(`left${k}`, quad([id(0, 0, k), id(0, 1, k), id(0, 1, k + 1), id(0, 0, k + 1)], [-1, 0, 0]));
    faceOf.set(`right${k}`, quad([id(3, 0, k), id(3, 1, k), id(3, 1, k + 1), id(3, 0, k + 1)], [1, 0, 0]));
  }
  /**
   * Replaces quad `f` by a tube along `axis` through rings at the given distances and scales
   * (relative to the quad), closed by the last ring.
   */
  const extrude = (f: number, axis: Vec, rings: readonly (readonly [number, number])[]) => {
    const base = quads[f];
    const centre = centroid(base);
    let previous = base;
    const ringIds: number[][] = [];
    for (const [distance, factor] of rings) {
      const ring = base.map((v) => {
        positions.push(add(add(centre, scale(axis, distance)), scale(sub(positions[v], centre), factor)));
        return positions.length - 1;
      });
      ringIds.push(ring);
      // The removed quad ran previous[k] → previous[k + 1]; the side quad keeps that direction,
      // so its orientation agrees with its neighbours' whatever the shape's proportions.
      for (let k = 0; k < 4; k++)
        quads.push([previous[k], previous[(k + 1) % 4], ring[(k + 1) % 4], ring[k]]);
      previous = ring;
    }
    quads[f] = previous;
    return { centre, ringIds };
  };
  const limbs: Limb[] = [];
  for (const side of [0, 1] as const) {
    const grow = side === 1 ? 1 + asym : 1;
    // Arms from the upper side faces, horizontally outward.
    const armFace = faceOf.get(side === 0 ? "left1" : "right1")!;
    const armAxis: Vec = [side === 0 ? -1 : 1, 0, 0];
    const arm = shape.armLength * grow;
    const t = shape.armThickness * grow;
    const { centre: shoulder } = extrude(armFace, armAxis, [
      [0.12 * arm, 0.85 * t],
      [0.5 * arm, 0.72 * t],
      [0.92 * arm, 0.6 * t],
      [arm, 0.45 * t],
    ]);
    limbs.push({
      part: "arm",
      side,
      root: shoulder,
      axis: armAxis,
      length: arm,
      middle: 0.5 * arm,
      radius: 0.85 * t * Math.max(d, h / 4),
    });
    // Legs from the outer bottom faces, downward.
    const legFace = faceOf.get(side === 0 ? "bottom0" : "bottom2")!;
    const leg = shape.legLength * grow;
    const lt = shape.legThickness * grow;
    const { centre: hip } = extrude(
      legFace,
      [0, 0, -1],
      [
        [0.1 * leg, 0.95 * lt],
        [0.5 * leg, 0.75 * lt],
        [0.93 * leg, 0.6 * lt],
        [leg, 0.5 * lt],
      ],
    );
    limbs.push({
      part: "leg",
      side,
      root: hip,
      axis: [0, 0, -1],
      length: leg,
      middle: 0.5 * leg,
      radius: 0.95 * lt * Math.max(w / 3, d),
    });
  }
  // Neck and head from the middle of the top.
  const head = shape.headSize;
  const neck = shape.neckLength;
  const headRatio = head / (2 * Math.max(w / 3, d));
  const { centre: neckBase } = extrude(
    faceOf.get("top1")!,
    [0, 0, 1],
    [
      [neck, 0.6],
      [neck + 0.15 * head, 1.6 * headRatio],
      [neck + 0.8 * head, 1.5 * headRatio],
      [neck + head, 0.9 * headRatio],
    ],
  );
  limbs.push({
    part: "head",
    side: 0,
    root: neckBase,
    axis: [0, 0, 1],
    length: neck + head,
    middle: neck,
    radius: Math.max(0.6 * Math.max(w / 3, d), 0.75 * head),
  });
  return { positions, quads, limbs };
}

/** One Catmull-Clark step on a closed quad mesh. New vertices: old ones, then edge points, then face points. */
function catmullClark(positions: Vec[], quads: number[][]): { positions: Vec[]; quads: number[][] } {
  const n = positions.length;
  const edgeIndex = new Map<number, number>();
  const edgeEnds: [number, number][] = [];
  const edgeFaces: number[][] = [];
  const key = (a: number, b: number) => Math.min(a, b) * n + Math.max(a, b);
  quads.forEach((q, f) => {
    for (let k = 0; k < 4; k++) {
      const [a, b] = [q[k], q[(k + 1) % 4]];
      let e = edgeIndex.get(key(a, b));
      if (e === undefined) {
        e = edgeEnds.length;
        edgeIndex.set(key(a, b), e);
        edgeEnds.push([a, b]);
        edgeFaces.push([]);
      }
      edgeFaces[e].push(f);
    }
  });
  const facePoints = quads.map((q) => scale(q.map((v) => positions[v]).reduce(add), 0.25));
  const edgePoints = edgeEnds.map(([a, b], e) =>
    scale(
      add(add(positions[a], positions[b]), add(facePoints[edgeFaces[e][0]], facePoints[edgeFaces[e][1]])),
      0.25,
    ),
  );
  const faceSum: Vec[] = positions.map(() => [0, 0, 0]);
  const edgeSum: Vec[] = positions.map(() => [0, 0, 0]);
  const valence = new Array<number>(n).fill(0);
  quads.forEach((q, f) => {
    for (const v of q) faceSum[v] = add(faceSum[v], facePoints[f]);
  });
  edgeEnds.forEach(([a, b]) => {
    const mid = scale(add(positions[a], positions[b]), 0.5);
    edgeSum[a] = add(edgeSum[a], mid);
    edgeSum[b] = add(edgeSum[b], mid);
    valence[a]++;
    valence[b]++;
  });
  const moved = positions.map((p, v) => {
    const k = valence[v];
    return scale(add(add(scale(faceSum[v], 1 / k), scale(edgeSum[v], 2 / k)), scale(p, k - 3)), 1 / k);
  });
  const out: Vec[] = [...moved, ...edgePoints, ...facePoints];
  const edgeVertex = (a: number, b: number) => n + edgeIndex.get(key(a, b))!;
  const faceVertex = (f: number) => n + edgeEnds.length + f;
  const next: number[][] = [];
  quads.forEach((q, f) => {
    for (let k = 0; k < 4; k++) {
      next.push([q[k], edgeVertex(q[k], q[(k + 1) % 4]), faceVertex(f), edgeVertex(q[(k + 3) % 4], q[k])]);
    }
  });
  return { positions: out, quads: next };
}

/** How a subdivided cage becomes the final triangle mesh: the diagonal of each quad, then edge splits in order. */
interface Tessellation {
  readonly levels: number;
  /** Per quad: 0 splits it along corners 0–2, 1 along 1–3. */
  readonly diagonals: Uint8Array;
  /** Edges split at their midpoints, in order, as pairs of vertex indices (new vertices numbered on). */
  readonly splits: Uint32Array;
  readonly triangles: Uint32Array;
}

/** Vertex count after `levels` Catmull-Clark steps of a cage of `v` vertices and `q` quads (closed, genus 0). */
function subdividedCount(v: number, q: number, levels: number): number {
  let vertices = v;
  let faces = q;
  for (let l = 0; l < levels; l++) {
    vertices += 2 * faces + faces; // edges (2 per quad on a closed quad mesh) and faces
    faces *= 4;
  }
  return vertices;
}

/** Splits the longest edges (or, with `random`, long edges in a jittered order) until `target` vertices. */
function tessellate(
  positions: Vec[],
  quads: number[][],
  levels: number,
  target: number,
  random: (() => number) | null,
): Tessellation {
  const diagonals = new Uint8Array(quads.length);
  const triangles: number[] = [];
  quads.forEach((q, f) => {
    const [a, b, c, d] = q.map((v) => positions[v]);
    const shorter = dot(sub(c, a), sub(c, a)) <= dot(sub(d, b), sub(d, b)) ? 0 : 1;
    const diagonal = random === null ? shorter : random() < 0.5 ? 0 : 1;
    diagonals[f] = diagonal;
    if (diagonal === 0) triangles.push(q[0], q[1], q[2], q[0], q[2], q[3]);
    else triangles.push(q[0], q[1], q[3], q[1], q[2], q[3]);
  });
  const points = [...positions];
  const n0 = points.length;
  const splits: number[] = [];
  if (target > n0) {
    const tris = triangles;
    const edgeFaces = new Map<number, number[]>();
    const key = (a: number, b: number) => Math.min(a, b) * 2 ** 24 + Math.max(a, b);
    const addFace = (f: number) => {
      for (let k = 0; k < 3; k++) {
        const k2 = key(tris[3 * f + k], tris[3 * f + ((k + 1) % 3)]);
        const list = edgeFaces.get(k2);
        if (list === undefined) edgeFaces.set(k2, [f]);
        else list.push(f);
      }
    };
    const removeFace = (f: number) => {
      for (let k = 0; k < 3; k++) {
        const k2 = key(tris[3 * f + k], tris[3 * f + ((k + 1) % 3)]);
        const list = edgeFaces.get(k2)!;
        list.splice(list.indexOf(f), 1);
        if (list.length === 0) edgeFaces.delete(k2);
      }
    };
    for (let f = 0; f < tris.length / 3; f++) addFace(f);
    const heap = new MinHeap();
    const edges: [number, number][] = [];
    const pushEdge = (a: number, b: number) => {
      const l = Math.sqrt(dot(sub(points[a], points[b]), sub(points[a], points[b])));
      edges.push([a, b]);
      heap.push(-l * (random === null ? 1 : 0.7 + 0.6 * random()), edges.length - 1);
    };
    for (const [k2] of edgeFaces) pushEdge(Math.floor(k2 / 2 ** 24), k2 % 2 ** 24);
    while (points.length < target && heap.size > 0) {
      const [a, b] = edges[heap.pop()];
      const faces = edgeFaces.get(key(a, b));
      if (faces === undefined || faces.length !== 2) continue;
      const m = points.length;
      points.push(scale(add(points[a], points[b]), 0.5));
      splits.push(a, b);
      const opposite: number[] = [];
      for (const f of [...faces]) {
        removeFace(f);
        const t = [tris[3 * f], tris[3 * f + 1], tris[3 * f + 2]];
        // Rotate so that the split edge is t[0] → t[1] (in either direction).
        while (!((t[0] === a && t[1] === b) || (t[0] === b && t[1] === a))) t.push(t.shift()!);
        const [p, q, c] = t;
        opposite.push(c);
        tris.splice(3 * f, 3, p, m, c);
        addFace(f);
        tris.push(m, q, c);
        addFace(tris.length / 3 - 1);
      }
      for (const v of [a, b, ...opposite]) pushEdge(v, m);
    }
  }
  return {
    levels,
    diagonals,
    splits: Uint32Array.from(splits),
    triangles: Uint32Array.from(triangles),
  };
}

/** Subdivides a cage and replays a tessellation on it: the rest-pose vertex positions. */
function realise(cage: Cage, tessellation: Tessellation): Vec[] {
  let positions = cage.positions;
  let quads = cage.quads;
  for (let l = 0; l < tessellation.levels; l++) ({ positions, quads } = catmullClark(positions, quads));
  const points = [...positions];
  const { splits } = tessellation;
  for (let i = 0; i < splits.length; i += 2)
    points.push(scale(add(points[splits[i]], points[splits[i + 1]]), 0.5));
  return points;
}

const smoothstep = (x: number) => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

/** Rotation of `p` about the line through `centre` along unit `axis` by `angle` (Rodrigues). */
function rotate(p: Vec, centre: Vec, axis: Vec, angle: number): Vec {
  const v = sub(p, centre);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const rotated = add(add(scale(v, c), scale(cross(axis, v), s)), scale(axis, dot(axis, v) * (1 - c)));
  return add(centre, rotated);
}

/** Where rest point `p` lies along `limb` (`t` from its root) and how close to its axis (`reach`, 0 … 1). */
function placeOn(limb: Limb, p: Vec): { t: number; reach: number } {
  const t = dot(sub(p, limb.root), limb.axis);
  const lateral = sub(sub(p, limb.root), scale(limb.axis, t));
  const distance = Math.sqrt(dot(lateral, lateral));
  return { t, reach: 1 - smoothstep((distance - 1.3 * limb.radius) / (0.8 * limb.radius)) };
}

/** Half-width of the skinning blend at a joint, in units of the limb's radius. */
const BAND = 1.0;

/** How much `limb` moves rest point `p` (0 on the torso, 1 past the blend at its root). */
function limbWeight(limb: Limb, p: Vec): number {
  const { t, reach } = placeOn(limb, p);
  const band = BAND * limb.radius;
  return reach * smoothstep((t + band) / (2 * band));
}

/** Part label of rest point `p` (see `BODY_PARTS`): the limb that moves it most, if past its root. */
function partOf(limbs: readonly Limb[], p: Vec): number {
  let best: Limb | null = null;
  let weight = 0;
  for (const limb of limbs) {
    const { t, reach } = placeOn(limb, p);
    if (t > 0 && reach > weight) {
      best = limb;
      weight = reach;
    }
  }
  if (best === null || weight < 0.5) return 0;
  if (best.part === "head") return 1;
  const lower = placeOn(best, p).t > best.middle;
  return best.part === "arm" ? (lower ? 3 : 2) : lower ? 5 : 4;
}

/** Where `limb`'s two bones take rest point `p` in `pose`, blended across the middle joint. */
function limbMotion(limb: Limb, p: Vec, pose: BodyPose): Vec {
  const { t } = placeOn(limb, p);
  const band = BAND * limb.radius;
  const lower = smoothstep((t - limb.middle + band) / (2 * band));
  // Arms turn down about the front-back axis and the forearm forward; legs and head swing
  // about the left-right axis.
  let first: { axis: Vec; angle: number };
  let second: { axis: Vec; angle: number };
  if (limb.part === "arm") {
    const outward = limb.axis[0];
    first = { axis: [0, 1, 0], angle: outward * pose.shoulder[limb.side] };
    second = { axis: [0, 0, 1], angle: -outward * pose.elbow[limb.side] };
  } else if (limb.part === "leg") {
    first = { axis: [1, 0, 0], angle: pose.hip[limb.side] };
    second = { axis: [1, 0, 0], angle: -pose.knee[limb.side] };
  } else {
    first = { axis: [1, 0, 0], angle: -pose.neck };
    second = { axis: [1, 0, 0], angle: 0 };
  }
  const joint = add(limb.root, scale(limb.axis, limb.middle));
  const byUpper = rotate(p, limb.root, first.axis, first.angle);
  const byLower = rotate(rotate(p, joint, second.axis, second.angle), limb.root, first.axis, first.angle);
  return add(scale(byUpper, 1 - lower), scale(byLower, lower));
}

/**
 * The rest positions moved into `pose` by linear blend skinning: every limb moves a point by its
 * weight (normalised where the limbs' weights add up to more than 1, between the legs).
 */
function applyPose(limbs: readonly Limb[], rest: Vec[], pose: BodyPose): Vec[] {
  return rest.map((p) => {
    const weights = limbs.map((limb) => limbWeight(limb, p));
    const total = weights.reduce((a, b) => a + b, 0);
    if (total === 0) return p;
    const norm = total > 1 ? 1 / total : 1;
    let out = p;
    limbs.forEach((limb, i) => {
      if (weights[i] > 0) out = add(out, scale(sub(limbMotion(limb, p, pose), p), weights[i] * norm));
    });
    return out;
  });
}

export interface ArticulatedBodyOptions {
  /** Number of body shapes: shape 0 is `DEFAULT_BODY_SHAPE`, the others `randomBodyShape` (default 4). */
  readonly shapes?: number;
  /** Number of poses per shape: pose 0 is the rest pose, the others `randomBodyPose` (default 5). */
  readonly poses?: number;
  /** Vertices of each mesh, at least 410 (default 1,000; 6,890 gives FAUST's size). */
  readonly vertices?: number;
  /** Standard deviation of the noise added to every coordinate, relative to the mean edge length (default 0.02). */
  readonly noise?: number;
  /**
   * Give every mesh its own triangulation (default false): random quad diagonals, about ±15 %
   * vertices split in a random order, and every vertex slid within the surface. Without it all
   * meshes share one connectivity and vertex `i` is the same body point on each (a registration).
   */
  readonly remesh?: boolean;
  readonly seed?: number;
}

/** One generated body. */
export interface ArticulatedBody {
  readonly data: TriangleMeshData;
  /** The part (index into `BODY_PARTS`) of every vertex, from its position in the rest pose. */
  readonly parts: Int32Array;
  readonly shape: number;
  readonly pose: number;
}

/** Vertices of the cage after one Catmull-Clark step: the smallest body (104 cage vertices, 102 quads). */
const MIN_VERTICES = 410;

/**
 * Bodies with a head and four limbs, `shapes × poses` of them (shape-major), each a closed genus-0
 * manifold mesh, outward and counter-clockwise. Without `remesh` they share their connectivity,
 * vertex `i` being the same point of the body on every mesh: a correspondence dataset whose label
 * is the vertex index. With `remesh`, each has its own connectivity: a segmentation dataset with
 * the `parts` labels. Deterministic for given options.
 */
export function articulatedBodies(options: ArticulatedBodyOptions = {}): ArticulatedBody[] {
  const nShapes = options.shapes ?? 4;
  const nPoses = options.poses ?? 5;
  const target = options.vertices ?? 1000;
  const noise = options.noise ?? 0.02;
  const seed = options.seed ?? 0;
  for (const [name, value, min] of [
    ["shapes", nShapes, 1],
    ["poses", nPoses, 1],
    ["vertices", target, MIN_VERTICES],
  ] as const) {
    if (!(Number.isSafeInteger(value) && value >= min)) {
      throw new RangeError(`articulatedBodies: ${name} must be an integer ≥ ${min}, got ${value}`);
    }
  }
  if (!(noise >= 0 && noise < 0.2))
    throw new RangeError(`articulatedBodies: noise must be in [0, 0.2), got ${noise}`);
  const shapes = Array.from({ length: nShapes }, (_, s) =>
    s === 0 ? DEFAULT_BODY_SHAPE : randomBodyShape(1000 * seed + s),
  );
  const poses = Array.from({ length: nPoses }, (_, k) =>
    k === 0 ? REST_POSE : randomBodyPose(1000 * seed + 500 + k),
  );
  const cages = shapes.map(bodyCage);
  const levelsFor = (count: number) => {
    let levels = 1;
    const { positions, quads } = cages[0];
    while (subdividedCount(positions.length, quads.length, levels + 1) <= count) levels++;
    return levels;
  };
  const subdivide = (cage: Cage, levels: number) => {
    let { positions, quads } = cage;
    for (let l = 0; l < levels; l++) ({ positions, quads } = catmullClark(positions, quads));
    return { positions, quads };
  };
  // One tessellation for all, decided on the first shape, unless every mesh is remeshed.
  const shared = options.remesh
    ? null
    : (() => {
        const levels = levelsFor(target);
        const { positions, quads } = subdivide(cages[0], levels);
        return tessellate(positions, quads, levels, target, null);
      })();
  const random = mulberry32(seed * 7919 + 17);
  const bodies: ArticulatedBody[] = [];
  shapes.forEach((_, s) => {
    poses.forEach((pose, k) => {
      let tessellation = shared;
      let rest: Vec[];
      if (tessellation === null) {
        const count = Math.max(MIN_VERTICES, Math.round(target * (0.85 + 0.3 * random())));
        const levels = levelsFor(count);
        const { positions, quads } = subdivide(cages[s], levels);
        tessellation = tessellate(positions, quads, levels, count, random);
        rest = slideWithinSurface(realise(cages[s], tessellation), tessellation.triangles, random);
      } else {
        rest = realise(cages[s], tessellation);
      }
      const posed = applyPose(cages[s].limbs, rest, pose);
      const triangles = tessellation.triangles;
      const meanEdge = meanEdgeLength(posed, triangles);
      const positions = new Float64Array(3 * posed.length);
      const jitter = mulberry32(seed * 104729 + s * 1009 + k * 31 + 3);
      posed.forEach((p, v) => {
        for (let c = 0; c < 3; c++) positions[3 * v + c] = p[c] + noise * meanEdge * gaussian(jitter);
      });
      bodies.push({
        data: { positions, triangles },
        parts: Int32Array.from(rest, (p) => partOf(cages[s].limbs, p)),
        shape: s,
        pose: k,
      });
    });
  });
  return bodies;
}

function meanEdgeLength(points: Vec[], triangles: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < triangles.length; i++) {
    const a = points[triangles[i]];
    const b = points[triangles[i - (i % 3) + ((i + 1) % 3)]];
    sum += Math.sqrt(dot(sub(a, b), sub(a, b)));
  }
  return sum / triangles.length;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Moves every vertex a random part of the way (up to a fifth) towards a point of one of its
 * faces, so that it stays on the surface; a vertex whose move would turn one of its faces over
 * by more than 60° stays put.
 */
function slideWithinSurface(points: Vec[], triangles: Uint32Array, random: () => number): Vec[] {
  const facesOf: number[][] = points.map(() => []);
  for (let f = 0; f < triangles.length / 3; f++)
    for (let c = 0; c < 3; c++) facesOf[triangles[3 * f + c]].push(f);
  const normal = (ps: Vec[], f: number): Vec => {
    const [a, b, c] = [0, 1, 2].map((k) => ps[triangles[3 * f + k]]);
    return cross(sub(b, a), sub(c, a));
  };
  const out = [...points];
  points.forEach((p, v) => {
    const faces = facesOf[v];
    const f = faces[Math.floor(random() * faces.length)];
    const others = [0, 1, 2].map((k) => triangles[3 * f + k]).filter((u) => u !== v);
    const beta = random();
    const towards = add(scale(sub(points[others[0]], p), beta), scale(sub(points[others[1]], p), 1 - beta));
    const candidate = add(p, scale(towards, 0.2 * random()));
    const before = faces.map((g) => normal(out, g));
    out[v] = candidate;
    const ok = faces.every((g, i) => {
      const [n0, n1] = [before[i], normal(out, g)];
      return dot(n0, n1) > 0.5 * Math.sqrt(dot(n0, n0) * dot(n1, n1));
    });
    if (!ok) out[v] = p;
  });
  return out;
}
