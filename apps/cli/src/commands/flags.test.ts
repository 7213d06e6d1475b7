import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Command, formatCommandHelp } from "../cli/command.js";
import { commands } from "./index.js";

// No help or message may name an option its command does not accept. Help texts are checked as
// printed; messages by their source: every string literal of a top-level declaration (function,
// class, constant) that a command's own declaration reaches through the names it uses, however
// indirectly, must name only that command's options. Reaching is by name, so it over-approximates
// (a message behind a condition the command never meets still counts), which errs on the safe side.

const srcDir = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Flags every command takes, and the program's own. */
const GLOBAL_FLAGS = new Set(["help", "version"]);
const FLAG = /(?<![\w-])--([a-z][a-z0-9-]*)/g;

interface Declaration {
  readonly module: string;
  readonly name: string;
  /** The code outside strings and comments (identifiers). */
  readonly code: string;
  /** The string and template literals. */
  readonly strings: readonly string[];
}

/** Splits TypeScript source into code, string literals and comments (enough for this project's style). */
function tokenize(text: string): { code: string; strings: string[] } {
  let code = "";
  const strings: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 2;
      if (i === 1) i = text.length;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      const literal = text.slice(i + 1, j);
      strings.push(literal);
      // Identifiers inside a template's `${…}` are code too.
      if (c === "`") for (const m of literal.matchAll(/\$\{([^}]*)\}/g)) code += ` ${m[1]} `;
      code += " ";
      i = j + 1;
    } else {
      code += c;
      i++;
    }
  }
  return { code, strings };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !/\.(test|fixture)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Top-level declarations: from a line starting with a declaration keyword to the next such line. */
function declarations(path: string): Declaration[] {
  const text = readFileSync(path, "utf8");
  const starts = [
    ...text.matchAll(/^(?:export )?(?:async )?(?:function\*?|class|const|let|interface|type) (\w+)/gm),
  ];
  return starts.map((match, k) => {
    const end = k + 1 < starts.length ? starts[k + 1].index : text.length;
    const { code, strings } = tokenize(text.slice(match.index, end));
    return { module: relative(srcDir, path), name: match[1], code, strings };
  });
}

const all = sourceFiles(srcDir).flatMap(declarations);
const byName = new Map<string, Declaration[]>();
for (const d of all) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);

/** The declarations a command's own declaration (`const xCommand: Command = { name: "x", …`) reaches. */
function reached(command: Command): Declaration[] {
  const own = all.filter(
    (d) => d.module.startsWith("commands/") && d.name.endsWith("Command") && d.strings[0] === command.name,
  );
  expect(own).toHaveLength(1);
  const seen = new Set<Declaration>();
  const pending = [...own];
  while (pending.length > 0) {
    const d = pending.pop()!;
    if (seen.has(d)) continue;
    seen.add(d);
    // `typeof f` in a type (`ReturnType<typeof f>`) names f without calling it.
    const code = d.code.replace(/\btypeof\s+[\w$]+/g, " ");
    for (const word of new Set(code.match(/[A-Za-z_$][\w$]*/g) ?? [])) {
      for (const other of byName.get(word) ?? []) if (!seen.has(other)) pending.push(other);
    }
  }
  return [...seen];
}

function accepted(command: Command): Set<string> {
  return new Set([...Object.keys(command.options), ...GLOBAL_FLAGS]);
}

/** Options named in the help of `command` that it does not accept. */
function misnamedInHelp(command: Command): string[] {
  const options = accepted(command);
  return [...formatCommandHelp(command).matchAll(FLAG)]
    .filter((m) => !options.has(m[1]))
    .map((m) => `--${m[1]}`);
}

/**
 * Messages that name an option of another command on purpose, or that the over-approximate reach
 * above finds but the command never runs: `pick` (choosing a model of a run) runs for eval,
 * predict and check only, and its "no last model yet" message says to continue with "its train
 * command and --resume"; `saveModel` runs in train and experiment only.
 */
const OTHER_COMMANDS_OPTIONS = new Set([
  "--checkpoint in commands/model-choice.ts (pick)",
  "--resume in commands/model-choice.ts (pick)",
  "--resume in commands/train.ts (saveModel)",
  // check runs its model on the calling thread, so the worker-failure message cannot reach it.
  "--threads in classifiers/gem-classifier.ts (GemCnnClassifier)",
]);

/** Options named in the messages `command` reaches that it does not accept, with where. */
function misnamedInMessages(command: Command): string[] {
  const options = accepted(command);
  const wrong = new Set<string>();
  for (const d of reached(command)) {
    for (const s of d.strings) {
      for (const m of s.matchAll(FLAG)) {
        const where = `--${m[1]} in ${d.module} (${d.name})`;
        if (!options.has(m[1]) && !OTHER_COMMANDS_OPTIONS.has(where)) wrong.add(where);
      }
    }
  }
  return [...wrong];
}

describe("options named in help and messages", () => {
  it("help texts name only options of their command", () => {
    expect(commands.flatMap((c) => misnamedInHelp(c).map((flag) => `${c.name}: ${flag}`))).toEqual([]);
  });

  it("messages a command can reach name only options it accepts", () => {
    for (const command of commands) expect(reached(command).length).toBeGreaterThan(3);
    expect(commands.flatMap((c) => misnamedInMessages(c).map((flag) => `${c.name}: ${flag}`))).toEqual([]);
  });

  it("the packages' messages, which the page shows too, name no command-line option", () => {
    const packages = join(srcDir, "../../../packages");
    const wrong = readdirSync(packages).flatMap((name) =>
      sourceFiles(join(packages, name, "src")).flatMap((path) =>
        tokenize(readFileSync(path, "utf8"))
          .strings.filter((s) => [...s.matchAll(FLAG)].length > 0)
          .map((s) => `${relative(packages, path)}: ${s}`),
      ),
    );
    expect(wrong).toEqual([]);
  });

  it("negative controls: the checks find options a command does not take, and skip comments", () => {
    const info = commands.find((c) => c.name === "info")!;
    const { json: _json, ...rest } = info.options;
    const withoutJson = { ...info, options: rest };
    expect(misnamedInHelp(withoutJson)).toContain("--json");
    const train = commands.find((c) => c.name === "train")!;
    const { resume: _resume, ...others } = train.options;
    expect(
      misnamedInMessages({ ...train, options: others }).some((m) =>
        m.startsWith("--resume in training/run-dir.ts"),
      ),
    ).toBe(true);
    expect(tokenize("// --nothing-here\nconst a = '--x'; /* --y */").strings).toEqual(["--x"]);
    // The heat kernel's old size message, which the page showed as well.
    const old = "`the mesh has 1839 vertices (raise --hks-max-vertices, or leave out hks features)`";
    expect(tokenize(old).strings.flatMap((s) => [...s.matchAll(FLAG)].map((m) => m[1]))).toEqual([
      "hks-max-vertices",
    ]);
  });
});
