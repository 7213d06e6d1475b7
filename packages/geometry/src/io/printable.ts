// How text from a file or an argument is shown in an error message (no node: imports: the
// browser entry uses this too).

/** What a value is, for messages about arguments of the wrong type: `a number (3)`, `null`, `an object (Array)`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name ? `an object (${name})` : "an object";
  }
  if (typeof value === "string") return `a string (${quote(value)})`;
  if (typeof value === "function") return "a function";
  return `a ${typeof value} (${escapeControlCharacters(String(value))})`;
}

/**
 * Whether code unit `code` at `i` of `text` is shown by a terminal as something other than itself:
 * C0 and C1 controls, DEL, the line and paragraph separators, the bidirectional-text controls
 * (they reorder what follows), the byte-order mark and unpaired surrogates.
 */
function unprintableAt(text: string, i: number, code: number): boolean {
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  if (code < 0x200e) return false;
  if (code === 0x200e || code === 0x200f || code === 0x2028 || code === 0x2029 || code === 0xfeff)
    return true;
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return true;
  if (code >= 0xd800 && code <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    return !(next >= 0xdc00 && next <= 0xdfff);
  }
  if (code >= 0xdc00 && code <= 0xdfff) {
    const previous = i > 0 ? text.charCodeAt(i - 1) : 0;
    return !(previous >= 0xd800 && previous <= 0xdbff);
  }
  return false;
}

/**
 * `text` with every character that a terminal would not show as itself (NUL and other control
 * characters, line breaks, bidirectional controls, unpaired surrogates) written as an escape:
 * `\t`, `\n`, `\r`, `\xNN` or `\uNNNN`. Error messages pass what they quote from a file or a
 * path through this, so that they stay one readable line whatever the input holds.
 */
export function escapeControlCharacters(text: string): string {
  let out = "";
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!unprintableAt(text, i, code)) continue;
    const escaped =
      code === 0x09
        ? "\\t"
        : code === 0x0a
          ? "\\n"
          : code === 0x0d
            ? "\\r"
            : code < 0x100
              ? `\\x${code.toString(16).padStart(2, "0")}`
              : `\\u${code.toString(16).padStart(4, "0")}`;
    out += text.slice(copied, i) + escaped;
    copied = i + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Longest part of a token quoted in a message; a file can hold a line of any length. */
const QUOTE_LENGTH = 40;

/** `'token'` for a message: control characters escaped, cut to 40 characters with `…`. */
export function quote(token: string): string {
  const cut = token.length > QUOTE_LENGTH ? `${token.slice(0, QUOTE_LENGTH)}…` : token;
  return `'${escapeControlCharacters(cut)}'`;
}
