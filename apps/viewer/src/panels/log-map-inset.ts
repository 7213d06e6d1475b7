/** One neighbour of the picked vertex as the log map sees it. */
export interface LogMapPoint {
  readonly vertex: number;
  /** Approximate geodesic distance from the picked vertex. */
  readonly r: number;
  /** Angle of the neighbour seen from the picked vertex, counter-clockwise from its e1, radians. */
  readonly theta: number;
  /** Ring the neighbour belongs to (1 for the 1-ring, 2 for the next one, …). */
  readonly ring: number;
  /** Drawn as a hollow ring rather than a dot (the exact intrinsic log map, over the projected one). */
  readonly exact?: boolean;
}

const RING_COLOURS = ["#ffffff", "#ffcf5c", "#6cb6ff", "#c08cff", "#8be28b"];
const E1_COLOUR = "#ff5c5c";
const E2_COLOUR = "#5cd65c";

/**
 * A 2D plot of the log map of the picked vertex's neighbourhood: each neighbour at
 * `r (cos θ, sin θ)` in the tangent plane of the picked vertex, with `e1` to the right and `e2` up
 * (so counter-clockwise about the normal is counter-clockwise on screen). Scrambling the gauge turns
 * the whole picture, because θ is measured from e1.
 */
export class LogMapInset {
  readonly canvas: HTMLCanvasElement;
  private points: readonly LogMapPoint[] = [];

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    new ResizeObserver(() => this.draw(this.points)).observe(canvas);
  }

  /** The points drawn last. */
  get drawnPoints(): readonly LogMapPoint[] {
    return this.points;
  }

  draw(points: readonly LogMapPoint[]): void {
    this.points = points;
    const ratio = Math.min(window.devicePixelRatio, 2);
    const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(this.canvas.clientHeight * ratio));
    this.canvas.width = width;
    this.canvas.height = height;
    const context = this.canvas.getContext("2d");
    if (!context) return;
    context.clearRect(0, 0, width, height);
    const size = Math.min(width, height);
    const cx = width / 2;
    const cy = height / 2;
    const maxR = Math.max(1e-12, ...points.map((p) => p.r));
    const scale = (0.42 * size) / maxR;
    const at = (p: LogMapPoint): [number, number] => [
      cx + scale * p.r * Math.cos(p.theta),
      cy - scale * p.r * Math.sin(p.theta),
    ];

    // Rings drawn as polygons in angular order, so a ring that folds over itself shows it.
    const dots = points.filter((p) => !p.exact);
    const rings = [...new Set(dots.map((p) => p.ring))].sort((a, b) => a - b);
    for (const ring of rings) {
      const members = dots.filter((p) => p.ring === ring).sort((a, b) => a.theta - b.theta);
      context.strokeStyle = `${RING_COLOURS[(ring - 1) % RING_COLOURS.length]}55`;
      context.beginPath();
      members.forEach((p, i) => {
        const [x, y] = at(p);
        if (i === 0) context.moveTo(x, y);
        else context.lineTo(x, y);
      });
      context.closePath();
      context.stroke();
    }

    this.axis(context, cx, cy, size * 0.46, 0, E1_COLOUR, "e1");
    this.axis(context, cx, cy, size * 0.46, Math.PI / 2, E2_COLOUR, "e2");

    for (const p of points) {
      const [x, y] = at(p);
      const colour = RING_COLOURS[(p.ring - 1) % RING_COLOURS.length];
      context.beginPath();
      if (p.exact) {
        context.strokeStyle = colour;
        context.lineWidth = Math.max(1, size / 250);
        context.arc(x, y, Math.max(4, size / 45), 0, 2 * Math.PI);
        context.stroke();
      } else {
        context.fillStyle = colour;
        context.arc(x, y, Math.max(2, size / 90), 0, 2 * Math.PI);
        context.fill();
      }
    }
    context.fillStyle = "#ffffff";
    context.beginPath();
    context.arc(cx, cy, Math.max(3, size / 60), 0, 2 * Math.PI);
    context.fill();
  }

  private axis(
    context: CanvasRenderingContext2D,
    cx: number,
    cy: number,
    length: number,
    angle: number,
    colour: string,
    label: string,
  ): void {
    const x = cx + length * Math.cos(angle);
    const y = cy - length * Math.sin(angle);
    context.strokeStyle = colour;
    context.fillStyle = colour;
    context.lineWidth = Math.max(1, length / 120);
    context.beginPath();
    context.moveTo(cx, cy);
    context.lineTo(x, y);
    context.stroke();
    context.font = `${Math.round(length / 9)}px sans-serif`;
    // Labels sit just past the tip, outside the plot of the neighbours.
    const labelX = angle === 0 ? x + 4 : x + 6;
    const labelY = angle === 0 ? y + length * 0.05 : y + length * 0.06;
    context.fillText(label, labelX, labelY);
  }
}
