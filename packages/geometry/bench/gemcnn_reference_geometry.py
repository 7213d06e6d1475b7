"""Times the numpy geometry preprocessing of ../shared/bench/gemconv_ref.py (GEM-CNN style:
normals, frames, log map and transport for the 1-ring with self) on an OBJ mesh.

Usage: python3 gemcnn_reference_geometry.py REFERENCE_SCRIPT MESH.obj REPEATS
Prints one JSON line: vertices, pairs, median wall and CPU milliseconds. Only the reference's `geometry`
function is timed; torch, which the reference imports for its convolution, is not needed.
"""
import importlib.util
import json
import sys
import time
import types

import numpy as np

if importlib.util.find_spec("torch") is None:
    # The reference defines a torch module class at import time; geometry() never touches torch.
    stub = types.ModuleType("torch")
    stub.nn = types.SimpleNamespace(Module=object)
    sys.modules["torch"] = stub

script, mesh_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = importlib.util.spec_from_file_location("gemconv_ref", script)
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)

vertices, faces = [], []
with open(mesh_path) as f:
    for line in f:
        t = line.split()
        if t and t[0] == "v":
            vertices.append([float(x) for x in t[1:4]])
        elif t and t[0] == "f":
            faces.append([int(x.split("/")[0]) - 1 for x in t[1:4]])
pos, faces = np.array(vertices), np.array(faces)

p = reference.geometry(pos, faces, True)[0]
walls, cpus = [], []
for _ in range(repeats):
    start, cpu_start = time.perf_counter(), time.process_time()
    reference.geometry(pos, faces, True)
    walls.append((time.perf_counter() - start) * 1e3)
    cpus.append((time.process_time() - cpu_start) * 1e3)
print(json.dumps({"vertices": len(pos), "pairs": int(len(p)), "median_wall_ms": float(np.median(walls)),
                  "median_cpu_ms": float(np.median(cpus)), "numpy": np.__version__}))
