import type { TriangleMeshData } from "../mesh/mesh-data.js";

// Character codes.
const TAB = 9;
const NEWLINE = 10;
const RETURN = 13;
const SPACE = 32;
const HASH = 35;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const SLASH = 47;
const ZERO = 48;
const NINE = 57;
const UPPER_E = 69;
const LOWER_E = 101;
const LOWER_F = 102;
const LOWER_V = 118;

/** 10^k for k ≤ 22: exactly representable, so m / 10^k is correctly rounded for m < 2^53. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The same result as `parseObj`'s careful line-by-line parser for the OBJ text that almost every
 * file is made of (`v` records of decimal numbers, `f` records of corners `v`, `v/vt`, `v/vt/vn`
 * or `v//vn`, comments, blank lines and other records, which are skipped), read in one pass over
 * the characters without splitting lines into token arrays; about five times faster. Returns
 * `undefined` at the first thing it is not sure about (any error, unusual whitespace, an index
 * out of range, …) so that the careful parser can read the file and word the error.
 */
export function parseObjFast(text: string): TriangleMeshData | undefined {
  return new ObjScanner(text).read();
}

// A class rather than closures: the reading position is then a field, which the JIT keeps in a
// register-friendly form, where a variable shared by closures lives in a heap-allocated context.
class ObjScanner {
  private readonly text: string;
  private readonly length: number;
  private i = 0;
  private nextNewline = -1;
  private nextReturn = -1;

  constructor(text: string) {
    this.text = text;
    this.length = text.length;
  }

  read(): TriangleMeshData | undefined {
    const { text, length } = this;
    let positions = new Float64Array(Math.max(48, Math.ceil(length / 25)));
    let nCoordinates = 0;
    let triangles = new Uint32Array(Math.max(48, Math.ceil(length / 12)));
    let nTriangleCorners = 0;
    let corners = new Uint32Array(16);
    while (this.i < length) {
      this.skipBlanks();
      if (this.i >= length) break;
      const code = text.charCodeAt(this.i);
      // Lines end at "\n", "\r\n" or a lone "\r", as in the careful parser; the "\n" of a
      // "\r\n" is an empty line here, which changes nothing.
      if (code === NEWLINE || code === RETURN) {
        this.i++;
        continue;
      }
      // Anything but printable ASCII at the start of a line: leave it to the careful parser, whose
      // idea of whitespace is wider.
      if (code < 33 || code > 126) return undefined;
      const following = this.i + 1 < length ? text.charCodeAt(this.i + 1) : NEWLINE;
      const isRecord = (code === LOWER_V || code === LOWER_F) && (following === SPACE || following === TAB);
      if (!isRecord) {
        // `v` or `f` alone, or followed by a comment or odd whitespace, is an error or unclear.
        if (
          (code === LOWER_V || code === LOWER_F) &&
          (following < 33 || following > 126 || following === HASH)
        ) {
          return undefined;
        }
        // Comments and every other record (vt, vn, o, g, s, usemtl, …) are skipped.
        this.i = this.lineEnd(this.i);
        continue;
      }
      this.i += 2;
      if (code === LOWER_V) {
        if (nCoordinates + 3 > positions.length) {
          const grown = new Float64Array(2 * positions.length);
          grown.set(positions);
          positions = grown;
        }
        let count = 0;
        while (!this.atEndOfLine()) {
          const value = this.readNumber();
          if (Number.isNaN(value) || !this.tokenEnded()) return undefined;
          // Numbers after the third (w, colours) are checked, as the careful parser does, and dropped.
          if (count < 3) positions[nCoordinates + count] = value;
          count++;
        }
        if (count < 3) return undefined;
        nCoordinates += 3;
      } else {
        const defined = nCoordinates / 3;
        let count = 0;
        while (!this.atEndOfLine()) {
          const index = this.readIndex();
          // Optional texture and normal indices: /vt, /vt/vn or //vn.
          if (text.charCodeAt(this.i) === SLASH) {
            this.i++;
            if (text.charCodeAt(this.i) === SLASH) {
              this.i++;
              if (!this.skipInteger()) return undefined;
            } else {
              if (!this.skipInteger()) return undefined;
              if (text.charCodeAt(this.i) === SLASH) {
                this.i++;
                if (!this.skipInteger()) return undefined;
              }
            }
          }
          if (!this.tokenEnded()) return undefined;
          const resolved = index > 0 ? index - 1 : defined + index;
          if (index === 0 || resolved < 0 || resolved >= defined) return undefined;
          if (count === corners.length) {
            const grown = new Uint32Array(2 * count);
            grown.set(corners);
            corners = grown;
          }
          corners[count++] = resolved;
        }
        if (count < 3) return undefined;
        if (nTriangleCorners + 3 * (count - 2) > triangles.length) {
          const grown = new Uint32Array(Math.max(2 * triangles.length, nTriangleCorners + 3 * (count - 2)));
          grown.set(triangles);
          triangles = grown;
        }
        for (let k = 1; k + 1 < count; k++) {
          triangles[nTriangleCorners++] = corners[0];
          triangles[nTriangleCorners++] = corners[k];
          triangles[nTriangleCorners++] = corners[k + 1];
        }
      }
    }
    return { positions: positions.slice(0, nCoordinates), triangles: triangles.slice(0, nTriangleCorners) };
  }

  /** Reads a decimal number (the DECIMAL syntax of text.ts); NaN if there is none. */
  private readNumber(): number {
    const text = this.text;
    let i = this.i;
    const start = i;
    let code = text.charCodeAt(i);
    const negative = code === MINUS;
    if (code === PLUS || code === MINUS) code = text.charCodeAt(++i);
    let mantissa = 0;
    let digits = 0;
    while (code >= ZERO && code <= NINE) {
      mantissa = mantissa * 10 + (code - ZERO);
      digits++;
      code = text.charCodeAt(++i);
    }
    let fractionDigits = 0;
    if (code === DOT) {
      code = text.charCodeAt(++i);
      while (code >= ZERO && code <= NINE) {
        mantissa = mantissa * 10 + (code - ZERO);
        fractionDigits++;
        code = text.charCodeAt(++i);
      }
      digits += fractionDigits;
    }
    if (digits === 0) {
      this.i = i;
      return Number.NaN;
    }
    let exponent = false;
    if (code === LOWER_E || code === UPPER_E) {
      exponent = true;
      code = text.charCodeAt(++i);
      if (code === PLUS || code === MINUS) code = text.charCodeAt(++i);
      const exponentStart = i;
      while (code >= ZERO && code <= NINE) code = text.charCodeAt(++i);
      if (i === exponentStart) {
        this.i = i;
        return Number.NaN;
      }
    }
    this.i = i;
    // Clinger's fast path: an exact integer mantissa below 2^53 divided by an exact power of ten
    // is correctly rounded, like Number(). Longer numbers and exponents go through Number().
    if (!exponent && digits <= 15 && fractionDigits <= 22) {
      const value = mantissa / POWERS_OF_TEN[fractionDigits];
      return negative ? -value : value;
    }
    const value = Number(text.slice(start, i));
    return Number.isFinite(value) ? value : Number.NaN;
  }

  /** Reads a 1-based (or negative) OBJ index; 0 if malformed or implausibly large. */
  private readIndex(): number {
    const text = this.text;
    let i = this.i;
    let code = text.charCodeAt(i);
    const negative = code === MINUS;
    if (code === PLUS || code === MINUS) code = text.charCodeAt(++i);
    let value = 0;
    const start = i;
    while (code >= ZERO && code <= NINE) {
      value = value * 10 + (code - ZERO);
      code = text.charCodeAt(++i);
    }
    this.i = i;
    if (i === start || i - start > 12) return 0;
    return negative ? -value : value;
  }

  /** Skips an integer (optional sign, at least one digit); false if there is none. */
  private skipInteger(): boolean {
    const text = this.text;
    let i = this.i;
    let code = text.charCodeAt(i);
    if (code === PLUS || code === MINUS) code = text.charCodeAt(++i);
    const start = i;
    while (code >= ZERO && code <= NINE) code = text.charCodeAt(++i);
    this.i = i;
    return i > start;
  }

  private skipBlanks(): void {
    const text = this.text;
    let i = this.i;
    let code = text.charCodeAt(i);
    while (code === SPACE || code === TAB) code = text.charCodeAt(++i);
    this.i = i;
  }

  /**
   * Position of the first "\n" or "\r" at or after `from` (the text's length if none). The
   * positions of the next of each are kept, so that a file with only one kind of line end is
   * searched once for the other, not once per line.
   */
  private lineEnd(from: number): number {
    if (this.nextNewline < from) {
      const at = this.text.indexOf("\n", from);
      this.nextNewline = at < 0 ? this.length : at;
    }
    if (this.nextReturn < from) {
      const at = this.text.indexOf("\r", from);
      this.nextReturn = at < 0 ? this.length : at;
    }
    return Math.min(this.nextNewline, this.nextReturn);
  }

  /** After a token: true at the end of the line (skipping a comment), false before another token. */
  private atEndOfLine(): boolean {
    this.skipBlanks();
    if (this.i >= this.length) return true;
    const code = this.text.charCodeAt(this.i);
    if (code === NEWLINE || code === RETURN) return true;
    if (code === HASH) {
      this.i = this.lineEnd(this.i);
      return true;
    }
    return false;
  }

  /** A token must end at whitespace, a comment or the end of the line. */
  private tokenEnded(): boolean {
    if (this.i >= this.length) return true;
    const code = this.text.charCodeAt(this.i);
    return code === SPACE || code === TAB || code === RETURN || code === NEWLINE || code === HASH;
  }
}
