import { describe, expect, it } from "vitest";
import { bunny } from "../generate/bunny.js";
import { icosphere } from "../generate/icosphere.js";
import { torus } from "../generate/torus.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { mulberry32 } from "../random.js";
import { parseObjCarefully, writeObj } from "./obj.js";
import { parseObjFast } from "./obj-fast.js";

/** Same arrays, element by element, −0 and 0 told apart. */
function same(a: TriangleMeshData, b: TriangleMeshData): boolean {
  if (a.positions.length !== b.positions.length || a.triangles.length !== b.triangles.length) return false;
  for (let i = 0; i < a.positions.length; i++) if (!Object.is(a.positions[i], b.positions[i])) return false;
  for (let i = 0; i < a.triangles.length; i++) if (a.triangles[i] !== b.triangles[i]) return false;
  return true;
}

/** The careful parser's result, or undefined where it throws. */
function carefully(text: string): TriangleMeshData | undefined {
  try {
    return parseObjCarefully(text);
  } catch {
    return undefined;
  }
}

describe("parseObjFast", () => {
  it("reads what writeObj writes exactly as the careful parser does", () => {
    for (const data of [icosphere(2), torus(), bunny()]) {
      for (const text of [writeObj(data), writeObj(data, { fractionDigits: 6, comment: "test\nmesh" })]) {
        const fast = parseObjFast(text);
        expect(fast).toBeDefined();
        expect(same(fast!, parseObjCarefully(text))).toBe(true);
      }
      const exact = parseObjFast(writeObj(data))!;
      expect(same(exact, data)).toBe(true);
    }
  });

  it("agrees with the careful parser on varied and broken text, or leaves it to it", () => {
    const random = mulberry32(17);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const numbers = [
      "0",
      "-0",
      "1",
      "+2.",
      ".25",
      "-1.5e-3",
      "1E2",
      "3.141592653589793",
      "0.1",
      "-7.00",
      "1e400",
      "1.2.3",
      "0x10",
      ".",
      "-",
      "12345678901234567",
    ];
    const corners = (i: number) => [
      `${i}`,
      `${i}/1`,
      `${i}/1/2`,
      `${i}//3`,
      `+${i}`,
      `${i}/`,
      `${i}/x`,
      `${i}//`,
    ];
    const blanks = [" ", "  ", "\t", " \t "];
    // A lone "\r" ends a line too (old Mac OS files), also inside what would be one line with "\n".
    const ends = ["\n", "\r\n", "\r", " # note\n", " # note\r", "\t\n", "\u000b\n", "\r\r\n"];
    let fastCount = 0;
    let equalCount = 0;
    for (let trial = 0; trial < 400; trial++) {
      const lines: string[] = [];
      let vertices = 0;
      const nLines = 1 + Math.floor(random() * 12);
      for (let l = 0; l < nLines; l++) {
        const kind = random();
        const blank = pick(blanks);
        if (kind < 0.45) {
          const count = random() < 0.9 ? 3 : pick([2, 4, 6]);
          const values = Array.from({ length: count }, () =>
            random() < 0.85 ? String((random() - 0.5) * 10) : pick(numbers),
          );
          lines.push(`${random() < 0.1 ? " " : ""}v${blank}${values.join(pick(blanks))}${pick(ends)}`);
          vertices++;
        } else if (kind < 0.75 && vertices > 0) {
          const count = random() < 0.8 ? 3 : pick([2, 4, 5]);
          const list = Array.from({ length: count }, () => {
            const index =
              random() < 0.9 ? 1 + Math.floor(random() * vertices) : pick([0, -1, -vertices, vertices + 1]);
            return random() < 0.85 ? `${index}` : pick(corners(index));
          });
          lines.push(`f${blank}${list.join(pick(blanks))}${pick(ends)}`);
        } else {
          lines.push(
            pick([
              "# comment\n",
              "# comment\r",
              "# comment\rv 1 2 3\n",
              "\n",
              "vt 0.5 0.5\n",
              "vn 0 0 1\n",
              "o name\n",
              "g group\n",
              "usemtl m\n",
              "v\n",
              "f 1 2\n",
              "vx 1 2 3\n",
              "\u00a0v 1 2 3\n",
              "v#\n",
              "s off\n",
            ]),
          );
        }
      }
      const text = lines.join("");
      const fast = parseObjFast(text);
      if (fast === undefined) continue;
      fastCount++;
      const expected = carefully(text);
      expect(expected, JSON.stringify(text)).toBeDefined();
      expect(same(fast, expected!), JSON.stringify(text)).toBe(true);
      equalCount++;
    }
    // Both outcomes must be well represented for the comparison to mean something.
    expect(fastCount).toBeGreaterThan(40);
    expect(fastCount).toBeLessThan(360);
    expect(equalCount).toBe(fastCount);
  });

  it("leaves every error to the careful parser", () => {
    for (const text of [
      "v 1 2\n",
      "v 1 2 x\n",
      "v 1 2 3\nf 1 1 2 0\n",
      "v 0 0 0\nv 1 0 0\nf 1 2 3\n",
      "v 1e999 0 0\n",
      "v 0x1 0 0\n",
      "f 1 2 3\n",
      "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1/ 2 3\n",
      "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 -4\n",
      "v\n",
    ]) {
      expect(parseObjFast(text), JSON.stringify(text)).toBeUndefined();
      expect(() => parseObjCarefully(text), JSON.stringify(text)).toThrow();
    }
  });
});
