// Reads a mesh file, says what it is and what is wrong with it, and repairs it if asked:
//   pnpm exec tsx --conditions=source packages/geometry/examples/inspect-mesh.ts meshes/torus.obj
//   pnpm exec tsx --conditions=source packages/geometry/examples/inspect-mesh.ts broken.off --repair fixed.obj
import { MeshParseError, readMesh, repairMesh, validateMesh, writeMeshFile } from "@gemcnn/geometry";

const [path, flag, output] = process.argv.slice(2);
if (!path || (flag !== undefined && (flag !== "--repair" || !output))) {
  console.error("usage: inspect-mesh.ts <mesh.obj|.off|.ply> [--repair <out.obj|.off|.ply>]");
  process.exit(2);
}

try {
  const data = await readMesh(path);
  const report = validateMesh(data, { source: path });
  console.log(`${path}:`, report.counts);
  for (const problem of report.problems) console.log(`  ${problem.kind}: ${problem.message}`);
  if (report.ok) console.log("  valid");
  if (output) {
    const repaired = repairMesh(data, { source: path });
    for (const line of repaired.report.summary) console.log(`  repair: ${line}`);
    await writeMeshFile(output, repaired.data);
    console.log(`wrote ${output}`);
  }
} catch (error) {
  if (!(error instanceof MeshParseError)) throw error;
  console.error(error.message);
  process.exit(1);
}
