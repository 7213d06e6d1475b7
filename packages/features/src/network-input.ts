import { FieldType, type NamedFieldType } from "@gemcnn/gauge";

// The packed input of a network that reads a user's own fields: a mesh's geometric features and
// the user's input fields in one canonical field type. Every task that takes input fields
// (classification, segmentation, correspondence, regression) builds it here, on the command line
// (which trains and predicts) and in the viewer (which predicts on the page) alike.

/** A packed per-vertex field with a name for each packed column (as `MeshFeatures` has them). */
export interface PackedChannels {
  /** Canonical field type, e.g. `"9x0+2x1+1x2"`. */
  readonly fieldType: string;
  /** Name of each packed column. */
  readonly channels: readonly string[];
  /** Row-major `[V × dim]`. */
  readonly values: ArrayLike<number>;
}

/** The user's packed fields, as `vertexFieldsFromColumns` returns them (only these two are read). */
export interface PackedUserFields {
  readonly type: NamedFieldType;
  readonly values: ArrayLike<number>;
}

/** A network's packed input of geometric features and user fields, before the `InputNormalization`. */
export interface NetworkInput {
  /** Canonical field type of features and user fields together, e.g. `"10x0+3x1+1x2"`. */
  readonly fieldType: string;
  /** Name of each packed column: the features' own, then `<field>` / `<field>.cos`, `<field>.sin`. */
  readonly channels: readonly string[];
  readonly nVertices: number;
  /** Row-major `[V × dim]`, float64. */
  readonly values: Float64Array;
}

/** Inputs that cannot be combined (vertex counts, types, lengths); the message says which. */
export class NetworkInputError extends Error {
  override name = "NetworkInputError";
}

/**
 * The channel names of a user's packed fields: a scalar's name, and `<name>.cos`, `<name>.sin`
 * for the two frame coefficients of an order ≥ 1 copy (the moments' convention).
 */
export function userFieldChannels(type: NamedFieldType): string[] {
  return type.copies().flatMap((c) => (c.dim === 1 ? [c.name] : [`${c.name}.cos`, `${c.name}.sin`]));
}

/**
 * The packed input of a network (any task): a mesh's geometric features (`features`, or
 * `undefined` for none) and a user's input fields (`userFields`, from `vertexFieldsFromColumns`,
 * or `undefined` for none), at least one of them, combined into their canonical field type:
 * scalars first, then order 1, then order 2, …, and within each order the features' copies
 * before the user's, each in its own order. Every number is copied, none changed, so a gauge
 * change `ρ_F(−φ)`, `ρ_U(−φ)` of the two parts is `ρ(−φ)` of the result. Throws a
 * `NetworkInputError` naming `source` for different vertex counts, a channel list that does
 * not fit the features' type, values whose length is not `V × dim`, or a channel name used twice.
 */
export function networkInput(
  features: PackedChannels | undefined,
  userFields: PackedUserFields | undefined,
  source = "network input",
): NetworkInput {
  const parts: { type: FieldType; channels: readonly string[]; values: ArrayLike<number>; what: string }[] =
    [];
  if (features !== undefined) {
    let type: FieldType;
    try {
      type = FieldType.parse(features.fieldType);
    } catch (error) {
      throw new NetworkInputError(`${source}: the features' field type: ${(error as Error).message}`);
    }
    if (features.channels.length !== type.dim) {
      throw new NetworkInputError(
        `${source}: ${features.channels.length} feature channel names for the ${type.dim} columns of "${type}"`,
      );
    }
    parts.push({ type, channels: features.channels, values: features.values, what: "geometric features" });
  }
  if (userFields !== undefined) {
    const channels = userFieldChannels(userFields.type);
    parts.push({ type: userFields.type.type, channels, values: userFields.values, what: "input fields" });
  }
  if (parts.length === 0) {
    throw new NetworkInputError(`${source}: no input at all (neither geometric features nor input fields)`);
  }
  const counts = parts.map((p) => {
    const n = p.values.length / p.type.dim;
    if (!Number.isInteger(n)) {
      throw new NetworkInputError(
        `${source}: ${p.values.length} numbers of ${p.what} are not whole rows of ${p.type.dim} (field type "${p.type}")`,
      );
    }
    return n;
  });
  if (counts.length === 2 && counts[0] !== counts[1]) {
    throw new NetworkInputError(
      `${source}: the geometric features have ${counts[0]} vertices but the input fields ${counts[1]}; both must be per vertex of the same mesh (a field file holds one row per vertex, in the mesh's vertex order)`,
    );
  }
  const nVertices = counts[0];
  const type = FieldType.directSum(...parts.map((p) => p.type));
  const dim = type.dim;
  // Where each part's copy goes: the copies of each order in the result are those of the parts
  // in turn, so a running count per order places them.
  const placed = new Map<number, number>();
  const channels = new Array<string>(dim);
  const moves: { part: number; from: number; to: number; width: number }[] = [];
  parts.forEach((part, p) => {
    for (const copy of part.type.copies()) {
      const k = placed.get(copy.order) ?? 0;
      placed.set(copy.order, k + 1);
      const to = type.slice(type.termIndexOfOrder(copy.order)).start + k * copy.dim;
      moves.push({ part: p, from: copy.offset, to, width: copy.dim });
      for (let j = 0; j < copy.dim; j++) channels[to + j] = part.channels[copy.offset + j];
    }
  });
  const seen = new Set<string>();
  for (const name of channels) {
    if (seen.has(name)) {
      throw new NetworkInputError(
        `${source}: the channel name "${name}" is both a geometric feature's and an input field's; rename the field`,
      );
    }
    seen.add(name);
  }
  const values = new Float64Array(nVertices * dim);
  for (const { part, from, to, width } of moves) {
    const x = parts[part].values;
    const partDim = parts[part].type.dim;
    for (let v = 0; v < nVertices; v++) {
      for (let j = 0; j < width; j++) values[v * dim + to + j] = x[v * partDim + from + j];
    }
  }
  return { fieldType: type.toString(), channels, nVertices, values };
}
