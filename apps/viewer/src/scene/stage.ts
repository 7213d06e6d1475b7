import {
  AmbientLight,
  Color,
  DirectionalLight,
  type Intersection,
  type Object3D,
  PerspectiveCamera,
  Raycaster,
  Scene,
  type Sphere,
  Vector2,
  Vector3,
  WebGLRenderer,
} from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";

/**
 * The three.js renderer, camera, lights and orbit controls in one container element. Renders on
 * demand (after a change) rather than every animation frame, so an idle page costs nothing; that
 * matters under software WebGL in headless tests.
 */
export class Stage {
  readonly renderer: WebGLRenderer;
  readonly scene = new Scene();
  readonly camera = new PerspectiveCamera(40, 1, 0.01, 1000);
  readonly controls: OrbitControls;
  /** Number of frames drawn so far; tests wait for it to advance. */
  framesRendered = 0;
  private renderPending = false;
  /** Width (CSS pixels) covered by a panel on the right; the view centres on what is left. */
  private rightInset = 0;
  /** Width over height of the part of the canvas that no panel covers. */
  private uncoveredAspect = 1;
  private readonly raycaster = new Raycaster();
  private readonly container: HTMLElement;

  constructor(container: HTMLElement) {
    this.container = container;
    this.renderer = new WebGLRenderer({ antialias: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.domElement.id = "viewer-canvas";
    container.prepend(this.renderer.domElement);
    this.scene.background = new Color(0x15171c);

    this.scene.add(new AmbientLight(0xffffff, 0.55));
    // The key light rides with the camera so that the side facing the user is always lit.
    const key = new DirectionalLight(0xffffff, 1.6);
    key.position.set(0.5, 0.8, 1);
    this.camera.add(key);
    this.scene.add(this.camera);

    this.camera.position.set(0, 0, 4);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = false;
    this.controls.addEventListener("change", () => this.requestRender());

    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
  }

  /** Schedules one render on the next animation frame (several requests draw once). */
  requestRender(): void {
    if (this.renderPending) return;
    this.renderPending = true;
    requestAnimationFrame(() => {
      this.renderPending = false;
      this.renderNow();
    });
  }

  renderNow(): void {
    this.renderer.render(this.scene, this.camera);
    this.framesRendered++;
  }

  /** Points the camera at a bounding sphere so that it fills the view. */
  frame(sphere: Sphere): void {
    // Fit the sphere in the narrower of the two directions of the visible part of the canvas.
    const halfVertical = (this.camera.fov * Math.PI) / 360;
    const visibleAspect = this.uncoveredAspect;
    const halfHorizontal = Math.atan(Math.tan(halfVertical) * visibleAspect);
    const distance = sphere.radius / Math.sin(Math.min(halfVertical, halfHorizontal));
    const direction = new Vector3(0.35, 0.45, 1).normalize();
    this.camera.position.copy(sphere.center).addScaledVector(direction, distance * 1.05);
    this.camera.near = distance / 100;
    this.camera.far = distance * 100;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(sphere.center);
    this.controls.update();
    this.requestRender();
  }

  /** The first intersection of the ray under a client (CSS pixel) position with `object`. */
  raycast(clientX: number, clientY: number, object: Object3D): Intersection | undefined {
    const rect = this.renderer.domElement.getBoundingClientRect();
    const ndc = new Vector2(
      ((clientX - rect.left) / rect.width) * 2 - 1,
      -((clientY - rect.top) / rect.height) * 2 + 1,
    );
    this.raycaster.setFromCamera(ndc, this.camera);
    return this.raycaster.intersectObject(object, false)[0];
  }

  /** Client (CSS pixel) position of a world point, for tests that click on a vertex. */
  toClient(point: Vector3): { x: number; y: number } {
    const rect = this.renderer.domElement.getBoundingClientRect();
    const ndc = point.clone().project(this.camera);
    return { x: rect.left + ((ndc.x + 1) / 2) * rect.width, y: rect.top + ((1 - ndc.y) / 2) * rect.height };
  }

  /**
   * Keeps the scene centred in the part of the canvas not covered by a panel `pixels` wide on the
   * right: the camera renders the left part of a wider view (three's view offset), so picking and
   * projection stay exact.
   */
  setRightInset(pixels: number): void {
    this.rightInset = Math.max(0, pixels);
    this.resize();
  }

  private resize(): void {
    const width = Math.max(1, this.container.clientWidth);
    const height = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(width, height);
    // Only when the panel leaves most of the canvas free; on narrow screens it simply overlaps.
    const inset = this.rightInset < width / 2 ? this.rightInset : 0;
    this.camera.aspect = (width + inset) / height;
    this.uncoveredAspect = (width - inset) / height;
    if (inset > 0) this.camera.setViewOffset(width + inset, height, inset, 0, width, height);
    else this.camera.clearViewOffset();
    this.camera.updateProjectionMatrix();
    this.renderNow();
  }
}
