import type { CliIO } from "./command.js";

/** An in-memory `CliIO` that collects stdout and stderr, for running commands from scripts and tests. */
export function captureIO(cwd = process.cwd()): CliIO & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (s: string) => out.push(s), isTTY: false },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
    cwd,
    env: {},
    out: () => out.join(""),
    err: () => err.join(""),
  };
}
