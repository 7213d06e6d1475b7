import { icosphere } from "@gemcnn/geometry";
import { meshBufferGeometry, surfaceMesh } from "./scene/mesh-object.js";
import { Stage } from "./scene/stage.js";
import "./testing-hook.js";

const viewport = document.getElementById("viewport")!;
const stage = new Stage(viewport);
const data = icosphere(3);
const geometry = meshBufferGeometry(data.positions, data.triangles);
stage.scene.add(surfaceMesh(geometry));
stage.frame(geometry.boundingSphere!);
window.__gemcnnViewer = {
  ready: true,
  get framesRendered() {
    return stage.framesRendered;
  },
};
