import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  articulatedBodies,
  formatLabels,
  vertexLabelsToFaceLabels,
  writeObj,
  writePly,
} from "@gemcnn/geometry";

/**
 * A small segmentation dataset on disk (the smallest bodies, 410 vertices, each remeshed):
 * `<dir>/train/body{0,1,2}.obj` and `<dir>/test/body3.obj`, labels per vertex (`.vseg`) except
 * body1, whose labels are per face (`.seg`, from the vertex labels).
 */
export async function writeSegmentationBodies(dir: string): Promise<{ parts: Int32Array[] }> {
  const bodies = articulatedBodies({ shapes: 2, poses: 2, vertices: 410, remesh: true, seed: 2 });
  await mkdir(join(dir, "train"), { recursive: true });
  await mkdir(join(dir, "test"), { recursive: true });
  for (const [i, body] of bodies.entries()) {
    const stem = join(dir, i < 3 ? "train" : "test", `body${i}`);
    await writeFile(`${stem}.obj`, writeObj(body.data));
    if (i === 1) {
      await writeFile(`${stem}.seg`, formatLabels(vertexLabelsToFaceLabels(body.data.triangles, body.parts)));
    } else {
      await writeFile(`${stem}.vseg`, formatLabels(body.parts));
    }
  }
  return { parts: bodies.map((b) => b.parts) };
}

/** Five registrations of one 410-vertex connectivity as binary PLY, named as FAUST's (`tr_reg_000.ply` …). */
export async function writeRegistrations(dir: string, count = 5): Promise<void> {
  const bodies = articulatedBodies({ shapes: 2, poses: 3, vertices: 410, seed: 4 }).slice(0, count);
  await mkdir(dir, { recursive: true });
  for (const [i, body] of bodies.entries()) {
    await writeFile(join(dir, `tr_reg_${String(i).padStart(3, "0")}.ply`), writePly(body.data));
  }
}
