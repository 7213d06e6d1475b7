// The one test file that reads ../shared (the SHREC-11 meshes beside the checkout); every other
// test runs without it.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bunny } from "../generate/bunny.js";
import { icosphere } from "../generate/icosphere.js";
import { torus } from "../generate/torus.js";
import { readMeshSync } from "../io/files.js";
import { angleDistance, TWO_PI } from "./angles.js";
import { tangentFrames } from "./frames.js";
import { holonomy, pairLookup, rescalingShare } from "./geometry.fixture.js";
import { MeshGeometry } from "./mesh-geometry.js";
import { oneRing } from "./neighbourhoods.js";
import { parallelTransport } from "./transport.js";

const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const shrec = join(repositoryRoot, "..", "shared", "datasets", "shrec_16");

/** Every mesh of the SHREC-11 classes that have genus-1 shapes, read once. */
function shrecMeshes(): { path: string; geometry: MeshGeometry }[] {
  if (!loaded) {
    loaded = [];
    for (const shape of ["alien", "cat", "dog1", "man", "woman"]) {
      for (const split of ["train", "test"]) {
        const folder = join(shrec, shape, split);
        for (const file of readdirSync(folder).filter((name) => name.endsWith(".obj"))) {
          const path = join(folder, file);
          loaded.push({ path, geometry: MeshGeometry.fromData(readMeshSync(path), { source: path }) });
        }
      }
    }
  }
  return loaded;
}
let loaded: { path: string; geometry: MeshGeometry }[] | undefined;

/** |Σ angle defects − 2πχ|. */
function gaussBonnetError(geometry: MeshGeometry): number {
  return Math.abs(geometry.totalAngleDefect() - TWO_PI * geometry.mesh.eulerCharacteristic);
}

describe("discrete Gauss-Bonnet: the angle defects sum to 2πχ", () => {
  it("on icospheres, tori and the bunny", () => {
    for (const level of [0, 2, 5]) {
      expect(gaussBonnetError(MeshGeometry.fromData(icosphere(level)))).toBeLessThan(1e-9);
    }
    for (const options of [{}, { majorRadius: 3, minorRadius: 0.2, majorSegments: 100, minorSegments: 7 }]) {
      const geometry = MeshGeometry.fromData(torus(options));
      expect(geometry.mesh.eulerCharacteristic).toBe(0);
      expect(gaussBonnetError(geometry)).toBeLessThan(1e-9);
    }
    const geometry = MeshGeometry.fromData(bunny());
    expect(geometry.mesh.eulerCharacteristic).toBe(2);
    expect(gaussBonnetError(geometry)).toBeLessThan(1e-9);
  });

  it("on every mesh of the SHREC-11 classes with genus-1 shapes, twelve of them genus 1", () => {
    const meshes = shrecMeshes();
    expect(meshes.length).toBe(100);
    let genusOne = 0;
    for (const { path, geometry } of meshes) {
      const chi = geometry.mesh.eulerCharacteristic;
      expect([0, 2], path).toContain(chi);
      if (chi === 0) genusOne++;
      expect(gaussBonnetError(geometry), path).toBeLessThan(1e-9);
    }
    // alien 7, dog1 2, cat 1, man 1, woman 1 (../shared/datasets/README.md).
    expect(genusOne).toBe(12);
  });
});

describe("Levi-Civita holonomy on the genus-1 SHREC-11 meshes", () => {
  it("is the rescaled corner angles around every face and every 1-ring", () => {
    const genusOne = shrecMeshes().filter(({ geometry }) => geometry.mesh.eulerCharacteristic === 0);
    expect(genusOne.length).toBe(12);
    for (const { path, geometry } of genusOne) {
      const { mesh } = geometry;
      const rings = oneRing(mesh);
      const g = parallelTransport(geometry, tangentFrames(geometry, { gauge: "random", seed: 1 }), rings, {
        method: "levi-civita",
      });
      const pair = pairLookup(rings);
      const t = mesh.triangles;
      let worst = 0;
      for (let f = 0; f < mesh.nFaces; f++) {
        const expected =
          rescalingShare(geometry, 3 * f) +
          rescalingShare(geometry, 3 * f + 1) +
          rescalingShare(geometry, 3 * f + 2);
        worst = Math.max(
          worst,
          angleDistance(holonomy(g, pair, [t[3 * f], t[3 * f + 1], t[3 * f + 2]]), expected),
        );
      }
      for (let p = 0; p < mesh.nVertices; p++) {
        let expected = geometry.vertexAngleDefects[p];
        for (const h of mesh.outgoingHalfedges(p)) {
          expected +=
            rescalingShare(geometry, mesh.next(h)) + rescalingShare(geometry, mesh.next(mesh.next(h)));
        }
        worst = Math.max(worst, angleDistance(holonomy(g, pair, mesh.vertexNeighbours(p)), expected));
      }
      expect(worst, path).toBeLessThan(1e-9);
    }
  });
});
