import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("the README's library example runs and prints what its comment says", async () => {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  const expected = /\/\/ (\S+ \d+)\s*$/.exec(code!.trim())?.[1];
  const script = `${root}.readme-example-${process.pid}.ts`;
  await writeFile(script, code!);
  try {
    const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, "--conditions=source", script], {
      cwd: root,
    });
    expect(stdout.trim()).toBe(expected);
  } finally {
    await rm(script, { force: true });
  }
}, 30_000);

it("the README's input-fields example runs, command by command, from an empty folder", async () => {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Input fields"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBeDefined();
  const commands = block!
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/));
  expect(commands.map((c) => c.slice(0, 2).join(" "))).toEqual([
    "gemcnn generate",
    "gemcnn train",
    "gemcnn eval",
    "gemcnn check",
    "gemcnn train",
  ]);
  const { mkdtemp } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { captureIO } = await import("./cli/capture-io.js");
  const { runCli } = await import("./main.js");
  const dir = await mkdtemp(join(tmpdir(), "gemcnn-readme-fields-"));
  try {
    for (const command of commands) {
      const io = captureIO(dir);
      // One thread and no preprocessing workers: the same results, without starting workers (seconds each).
      const runtime = ["train", "eval"].includes(command[1]) ? ["--workers", "0", "--threads", "1"] : [];
      const code = await runCli([...command.slice(1), ...runtime], io);
      expect(code, `${command.join(" ")}\n${io.err()}`).toBe(0);
      if (command[1] === "check") expect(io.out()).toMatch(/^invariant: largest change/m);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);
