import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test } from "vitest";
import { dropFile, launchChromium, openViewer } from "./browser.js";
import { maxPointDifference, maxUnorderedSegmentDifference } from "./compare.js";
import { canvasPixelStats, countPixels } from "./pixels.js";

const BACKGROUND: [number, number, number] = [0x15, 0x17, 0x1c];

/**
 * Glyph end points are float32 roundings of float64 positions that agree to about 1e-15 before and
 * after a gauge change; coordinates here are below 2 in size, where one float32 step is 1.2e-7, so
 * equal points differ by at most a step or two. 1e-6 allows eight steps; a glyph that moves at all
 * moves by a good fraction of an edge length (about 0.1 on these meshes).
 */
const FLOAT32_TOLERANCE = 1e-6;

/**
 * How long a poll waits for the page: generous, because CI runs the browser beside the other test
 * projects on two cores, where software WebGL and tfjs slow down several times.
 */
const POLL = { timeout: 15_000 };

let browser: Browser;
let page: Page;

// One page for the file, put back into its freshly loaded state before each test (the hook's
// `reset`): loading the page costs seconds under software WebGL, resetting a fraction of that.
beforeAll(async () => {
  browser = await launchChromium();
  page = await openViewer(browser, inject("viewerUrl"));
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  await page.keyboard.up("Shift");
  await page.evaluate(() => window.__gemcnnViewer!.reset());
});

const hook = <T>(fn: (h: NonNullable<Window["__gemcnnViewer"]>) => T | Promise<T>): Promise<T> =>
  page.evaluate(`(${fn.toString()})(window.__gemcnnViewer)`) as Promise<T>;

async function segments(layer: "frames" | "picked-frame" | "order1" | "order2" | "transport") {
  return page.evaluate((name) => window.__gemcnnViewer!.glyphs(name), layer);
}

async function nextFrame(): Promise<void> {
  await page.evaluate(() => window.__gemcnnViewer!.nextFrame());
}

/** A vertex that faces the camera, near the middle of the view. */
async function visibleVertex(): Promise<{ v: number; x: number; y: number }> {
  const found = await page.evaluate(() => {
    const h = window.__gemcnnViewer!;
    const canvas = document.getElementById("viewer-canvas")!.getBoundingClientRect();
    const cx = canvas.left + canvas.width / 2;
    const cy = canvas.top + canvas.height / 2;
    let best: { v: number; x: number; y: number; d: number } | null = null;
    for (let v = 0; v < h.state().nVertices; v++) {
      const s = h.vertexOnScreen(v);
      const d = Math.hypot(s.x - cx, s.y - cy);
      if (s.facing && (!best || d < best.d)) best = { v, x: s.x, y: s.y, d };
    }
    return best;
  });
  expect(found).not.toBeNull();
  return found!;
}

test("the page loads and draws the mesh on a non-blank canvas", async () => {
  const state = await hook((h) => h.state());
  expect(state.mesh).toBe((await hook((h) => h.builtinMeshes()))[0]);
  expect(state.error).toBeNull();
  const stats = await canvasPixelStats(page, BACKGROUND);
  expect(stats.width).toBeGreaterThan(300);
  // The mesh fills a good part of the view, and shading gives it many tones, not one flat colour.
  expect(stats.foregroundFraction).toBeGreaterThan(0.05);
  expect(stats.distinctColors).toBeGreaterThan(20);
});

test("every built-in mesh opens without an error", async () => {
  for (const name of await hook((h) => h.builtinMeshes())) {
    const opened = await page.evaluate((mesh) => window.__gemcnnViewer!.openBuiltin(mesh), name);
    const state = await hook((h) => h.state());
    expect({ name, opened, error: state.error }).toEqual({ name, opened: true, error: null });
    expect(state.mesh).toBe(name);
    expect(state.nVertices).toBeGreaterThan(20);
  }
});

describe("display", () => {
  test("the frames toggle draws an e1 and an e2 arrow at every vertex, and hides them again", async () => {
    expect((await segments("frames")).visible).toBe(false);
    await page.check("#show-frames");
    const shown = await segments("frames");
    expect(shown.visible).toBe(true);
    expect(shown.segments.length).toBe(2 * 18 * (await hook((h) => h.state())).nVertices);
    await page.uncheck("#show-frames");
    expect((await segments("frames")).visible).toBe(false);
  });

  test("the curvature colour map paints positive curvature red and negative blue, with a legend", async () => {
    // The torus: positive curvature on the outside, negative on the inside.
    await page.selectOption("#mesh-select", "torus");
    await expect.poll(() => hook((h) => h.state().mesh), POLL).toBe("torus");
    await page.selectOption("#coloring", "curvature");
    const colours = await hook((h) => h.surfaceColors());
    const curvature = await page.evaluate(() => {
      const h = window.__gemcnnViewer!;
      return Array.from({ length: h.state().nVertices }, (_, v) => h.curvature(v).density);
    });
    expect(colours.length).toBe(3 * curvature.length);
    // Away from zero (where the map is white), red minus blue has the sign of the curvature.
    const largest = Math.max(...curvature.map(Math.abs));
    const signs = { positive: 0, negative: 0, wrong: 0 };
    curvature.forEach((k, v) => {
      if (Math.abs(k) < 0.05 * largest) return;
      const redness = colours[3 * v] - colours[3 * v + 2];
      if (Math.sign(redness) !== Math.sign(k)) signs.wrong++;
      else if (k > 0) signs.positive++;
      else signs.negative++;
    });
    expect(signs.wrong).toBe(0);
    expect(signs.positive).toBeGreaterThan(50);
    expect(signs.negative).toBeGreaterThan(50);
    expect(await page.textContent("#legend")).toContain("K (1/length²)");

    // Back to plain: one colour everywhere and no legend.
    await page.selectOption("#coloring", "plain");
    const plain = await hook((h) => h.surfaceColors());
    expect(new Set(plain.map((c) => c.toFixed(4))).size).toBeLessThanOrEqual(3);
    expect(await page.textContent("#legend")).toBe("");
  });
});

describe("picking", () => {
  test("clicking a vertex shows its frame, in 3D and on screen", async () => {
    const { v, x, y } = await visibleVertex();
    const box = { x: x - 70, y: y - 70, width: 140, height: 140 };
    const isFrameRed = (r: number, g: number, b: number) => r > 200 && g < 130 && b < 130;
    const redBefore = await countPixels(page, box, isFrameRed);
    expect((await segments("picked-frame")).visible).toBe(false);

    await page.mouse.click(x, y);
    await nextFrame();

    expect((await hook((h) => h.state())).picked).toBe(v);
    const frame = await page.evaluate((vertex) => window.__gemcnnViewer!.frame(vertex), v);
    const drawn = await segments("picked-frame");
    expect(drawn.visible).toBe(true);
    // Arrows e1, e2, n: each a shaft from the vertex plus two barbs (18 numbers per arrow).
    const shaft = (arrow: number) => drawn.segments.slice(18 * arrow, 18 * arrow + 6);
    const length = Math.hypot(
      ...shaft(0)
        .slice(3)
        .map((c, k) => c - frame.position[k]),
    );
    expect(length).toBeGreaterThan(0);
    [frame.e1, frame.e2, frame.n].forEach((axis, arrow) => {
      const [x0, y0, z0, x1, y1, z1] = shaft(arrow);
      expect(maxPointDifference([x0, y0, z0], frame.position)).toBeLessThan(FLOAT32_TOLERANCE);
      const expectedTip = frame.position.map((p, k) => p + length * axis[k]);
      expect(maxPointDifference([x1, y1, z1], expectedTip)).toBeLessThan(1e-5);
    });
    // A person sees it: the red e1 arrow appears around the vertex, and the panel names the vertex.
    expect(await countPixels(page, box, isFrameRed)).toBeGreaterThan(redBefore + 20);
    await expect.poll(() => page.textContent("#vertex-info"), POLL).toContain(`vertex ${v} `);
    // The log map inset shows the picked vertex's neighbours.
    const points = await hook((h) => h.logMapPoints());
    expect(points.some((point) => point.ring === 2)).toBe(true);
  });

  test("the loop around a picked vertex reports its holonomy next to the enclosed curvature", async () => {
    const { x, y } = await visibleVertex();
    await page.mouse.click(x, y);
    const result = await hook((h) => h.holonomy());
    expect(result).not.toBeNull();
    expect(Math.abs(result!.holonomy)).toBeGreaterThan(1e-4);
    expect(Math.abs(result!.holonomy - result!.enclosedCurvature)).toBeLessThan(1e-9);
    expect(await page.textContent("#transport-info")).toContain("holonomy");
    const transport = await segments("transport");
    expect(transport.visible).toBe(true);

    // The carried vector is geometry too: after a gauge change the same arrows are drawn, and the
    // holonomy is the same number.
    await page.click("#scramble-gauge");
    expect(maxPointDifference(transport.segments, (await segments("transport")).segments)).toBeLessThan(
      FLOAT32_TOLERANCE,
    );
    expect((await hook((h) => h.holonomy()))!.holonomy).toBeCloseTo(result!.holonomy, 9);

    // Shift-click a second vertex: the vector is carried along a path to it instead.
    const picked = (await hook((h) => h.state())).picked!;
    const second = await page.evaluate((first) => {
      const h = window.__gemcnnViewer!;
      const a = h.vertexOnScreen(first);
      let best: { v: number; x: number; y: number; d: number } | null = null;
      for (let v = 0; v < h.state().nVertices; v++) {
        const s = h.vertexOnScreen(v);
        const d = Math.abs(Math.hypot(s.x - a.x, s.y - a.y) - 120);
        if (s.facing && (!best || d < best.d)) best = { v, x: s.x, y: s.y, d };
      }
      return best!;
    }, picked);
    await page.keyboard.down("Shift");
    await page.mouse.click(second.x, second.y);
    await page.keyboard.up("Shift");
    const state = await hook((h) => h.state());
    expect(state.picked).toBe(picked);
    expect(state.pathTarget).toBe(second.v);
    expect(await page.textContent("#transport-info")).toContain(`to vertex ${second.v} along`);
    expect(await hook((h) => h.holonomy())).toBeNull();
  });
});

describe("scramble gauge", () => {
  test("frames change but the drawn feature vectors stay where they were in 3D", async () => {
    await page.check("#show-frames");
    await page.check("#show-order2");
    const before = {
      frames: (await segments("frames")).segments,
      order1: (await segments("order1")).segments,
      order2: (await segments("order2")).segments,
    };
    await page.selectOption("#field-source", "layer");
    const layerBefore = {
      order1: (await segments("order1")).segments,
      order2: (await segments("order2")).segments,
    };
    await page.selectOption("#field-source", "input");

    await page.click("#scramble-gauge");
    await nextFrame();
    expect((await hook((h) => h.state())).gaugeVersion).toBe(1);

    const framesAfter = (await segments("frames")).segments;
    expect(maxPointDifference(before.frames, framesAfter)).toBeGreaterThan(0.05);
    expect(maxPointDifference(before.order1, (await segments("order1")).segments)).toBeLessThan(
      FLOAT32_TOLERANCE,
    );
    expect(maxUnorderedSegmentDifference(before.order2, (await segments("order2")).segments)).toBeLessThan(
      FLOAT32_TOLERANCE,
    );
    // The transport-mean layer is recomputed in the new gauge and lands in the same place too.
    await page.selectOption("#field-source", "layer");
    expect(maxPointDifference(layerBefore.order1, (await segments("order1")).segments)).toBeLessThan(
      FLOAT32_TOLERANCE,
    );
    expect(
      maxUnorderedSegmentDifference(layerBefore.order2, (await segments("order2")).segments),
    ).toBeLessThan(FLOAT32_TOLERANCE);
  });

  test("negative control: coefficients not transformed by the gauge law make the vectors move", async () => {
    await page.check("#show-order2");
    const order1 = (await segments("order1")).segments;
    const order2 = (await segments("order2")).segments;
    await hook((h) => h.scrambleGauge({ seed: 99, transformFields: false }));
    expect(maxPointDifference(order1, (await segments("order1")).segments)).toBeGreaterThan(0.05);
    expect(maxUnorderedSegmentDifference(order2, (await segments("order2")).segments)).toBeGreaterThan(0.05);
  });
});

describe("network features", () => {
  /**
   * The network runs in float32 in the page on inputs rounded in two different gauges: its outputs
   * agree to about 1e-6 of their size (see src/network/random-gem-conv.test.ts), i.e. 1e-7 on glyphs
   * about 0.1 long, plus the float32 rounding of the drawn coordinates. 2e-5 leaves a wide margin;
   * the negative control moves glyphs by 0.05 or more. Colours follow values through the colour
   * map, whose steepest slope is below 2 per unit of the range: 1e-3 is generous.
   */
  const NETWORK_TOLERANCE = 2e-5;
  const COLOUR_TOLERANCE = 1e-3;

  async function showNetwork(): Promise<void> {
    await page.check("#show-order2");
    await page.selectOption("#field-source", "network");
    await page.selectOption("#coloring", "network-1");
    await expect.poll(() => hook((h) => h.state().network), POLL).toBe("ready");
    await expect.poll(async () => (await segments("order2")).segments.length, POLL).toBeGreaterThan(0);
  }

  test("scrambling the gauge leaves the GemConv layer's vectors, crosses and scalar colours in place", async () => {
    await showNetwork();
    expect(await page.textContent("#network-status")).toContain("GemConv");
    const order1 = (await segments("order1")).segments;
    const order2 = (await segments("order2")).segments;
    const colours = await hook((h) => h.surfaceColors());
    await page.click("#scramble-gauge");
    expect(maxPointDifference(order1, (await segments("order1")).segments)).toBeLessThan(NETWORK_TOLERANCE);
    expect(maxUnorderedSegmentDifference(order2, (await segments("order2")).segments)).toBeLessThan(
      NETWORK_TOLERANCE,
    );
    expect(maxPointDifference(colours, await hook((h) => h.surfaceColors()))).toBeLessThan(COLOUR_TOLERANCE);
    // The colours are the network's own: not the plain surface, and not one flat colour.
    expect(new Set(colours.map((c) => c.toFixed(2))).size).toBeGreaterThan(20);
  });

  test("negative control: network inputs left in the old gauge move its output", async () => {
    await showNetwork();
    const order1 = (await segments("order1")).segments;
    await hook((h) => h.scrambleGauge({ seed: 5, transformFields: false }));
    expect(maxPointDifference(order1, (await segments("order1")).segments)).toBeGreaterThan(0.05);
  });
});

describe("files", () => {
  const drop = (name: string, contents: string) => dropFile(page, name, contents);

  // An octahedron, counter-clockwise from outside, in each format.
  const OCTAHEDRON_VERTICES = ["1 0 0", "-1 0 0", "0 1 0", "0 -1 0", "0 0 1", "0 0 -1"];
  const OCTAHEDRON_FACES = ["0 2 4", "2 1 4", "1 3 4", "3 0 4", "2 0 5", "1 2 5", "3 1 5", "0 3 5"];
  const oneBased = (face: string) =>
    face
      .split(" ")
      .map((i) => Number(i) + 1)
      .join(" ");
  const FILES: Record<string, string> = {
    "octahedron.obj": [
      ...OCTAHEDRON_VERTICES.map((v) => `v ${v}`),
      ...OCTAHEDRON_FACES.map((f) => `f ${oneBased(f)}`),
    ].join("\n"),
    "octahedron.off": ["OFF", "6 8 0", ...OCTAHEDRON_VERTICES, ...OCTAHEDRON_FACES.map((f) => `3 ${f}`)].join(
      "\n",
    ),
    "octahedron.ply": [
      "ply",
      "format ascii 1.0",
      "element vertex 6",
      "property float x",
      "property float y",
      "property float z",
      "element face 8",
      "property list uchar int vertex_indices",
      "end_header",
      ...OCTAHEDRON_VERTICES,
      ...OCTAHEDRON_FACES.map((f) => `3 ${f}`),
    ].join("\n"),
  };

  test("dropped OBJ, OFF and PLY files open", async () => {
    for (const [name, contents] of Object.entries(FILES)) {
      await drop(name, contents);
      await expect.poll(() => hook((h) => h.state().mesh), POLL).toBe(name);
      const state = await hook((h) => h.state());
      expect({ name, error: state.error, vertices: state.nVertices, faces: state.nFaces }).toEqual({
        name,
        error: null,
        vertices: 6,
        faces: 8,
      });
    }
  });

  test("a malformed dropped file shows an error naming it and the line, and the page keeps working", async () => {
    const opened = (await hook((h) => h.state())).mesh;
    await drop("broken.obj", "v 0 0 0\nv 1 0 0\nv 0 1 zero\nf 1 2 3\n");
    await expect.poll(() => hook((h) => h.state().error), POLL).toMatch(/broken\.obj, line 3/);
    expect(await page.textContent("#error-banner")).toContain("broken.obj");
    expect(await page.isVisible("#error-banner")).toBe(true);
    // The mesh on show is still the one before the bad file.
    expect((await hook((h) => h.state())).mesh).toBe(opened);

    const other = (await hook((h) => h.builtinMeshes())).find((name) => name !== opened)!;
    await page.selectOption("#mesh-select", other);
    await expect.poll(() => hook((h) => h.state().mesh), POLL).toBe(other);
    expect((await hook((h) => h.state())).error).toBeNull();
    await nextFrame();
    const stats = await canvasPixelStats(page, BACKGROUND);
    expect(stats.foregroundFraction).toBeGreaterThan(0.05);
  });

  test("a mesh that fails validation names the problem and can be repaired", async () => {
    // The second face runs along the edge 2→3 in the same direction as the first: inconsistent.
    await drop("flipped.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf 1 2 3\nf 2 3 4\n");
    await expect.poll(() => hook((h) => h.state().error), POLL).toMatch(/flipped\.obj: .*orient/i);
    await page.click("#error-action");
    await expect.poll(() => hook((h) => h.state().mesh), POLL).toBe("flipped.obj (repaired)");
    expect((await hook((h) => h.state())).notice).toMatch(/1 faces flipped/);
  });

  test("a file of an unsupported type is refused with its name and the accepted types", async () => {
    await drop("model.stl", "solid nothing\nendsolid\n");
    await expect.poll(() => hook((h) => h.state().error), POLL).toMatch(/model\.stl.*\.obj, \.off or \.ply/);
  });
});
