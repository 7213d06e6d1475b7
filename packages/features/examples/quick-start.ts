// The input features of a torus, made as the command line makes them, then normalised into a
// network's input. Run: pnpm --filter @gemcnn/features example
import {
  DEFAULT_FEATURE_OPTIONS,
  fitInputNormalization,
  normalizeInput,
  type PreprocessOptions,
  preprocessMeshData,
} from "@gemcnn/features";
import { torus } from "@gemcnn/geometry";

export function quickStart() {
  const options: PreprocessOptions = {
    features: DEFAULT_FEATURE_OPTIONS, // moments, curvature and the heat-kernel signature
    repair: true, // weld duplicate vertices, drop degenerate faces, fix the orientation
    largestComponentOnly: true,
  };
  // Validated, centred, scaled to unit area; reference-neighbour frames; features in those frames.
  const data = torus({ majorRadius: 1, minorRadius: 0.4, majorSegments: 24, minorSegments: 12 });
  const mesh = preprocessMeshData(data, "torus", options);
  console.log(`${mesh.nVertices} vertices, "${mesh.fieldType}": ${mesh.channels.join(", ")}`);

  // Scalars centred on the median, scaled by the interquartile range and clipped at ±5; each
  // 2-vector copy only scaled and shortened (a shift would break gauge equivariance).
  const normalization = fitInputNormalization([mesh]);
  const input = normalizeInput(mesh, normalization); // float32, V × 15, row by row
  console.log(`input: ${input.length / mesh.nVertices} numbers per vertex`);
  return { mesh, input };
}

if (process.argv[1]?.endsWith("quick-start.ts")) quickStart();
