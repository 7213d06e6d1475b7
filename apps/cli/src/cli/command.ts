import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./errors.js";

/** One `--option` of a subcommand; `type` and `short` are handed to `util.parseArgs` as they are. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** Shown in help after the option, e.g. `<dir>`; string options only. */
  readonly valueName?: string;
  /**
   * String options only: the option may also be given without a value (as the last word, or
   * followed by another option), and is then `true` in `ParsedArgs.options`. Help shows `[<list>]`.
   */
  readonly optionalValue?: boolean;
  readonly description: string;
  /** Shown in help as "(default: …)"; applied by the command, not by the parser. */
  readonly defaultText?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** Takes all remaining positionals (one or more when required). */
  readonly variadic?: boolean;
}

export interface Example {
  readonly command: string;
  readonly description: string;
}

/** Where a command writes, reads its environment and learns whether it talks to a terminal. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Directory relative paths on the command line are resolved against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A parsed command line: option values by long name, positionals by their spec name. */
export interface ParsedArgs {
  readonly options: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Paragraphs shown under the usage line of `--help`. */
  readonly description: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly Example[];
  /** Runs the command; resolves to the exit status. */
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "show this help" };

/**
 * Parses `argv` (the words after the subcommand name) against the command's spec with
 * `util.parseArgs` in strict mode. Returns `undefined` when `--help` was asked for.
 */
export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedArgs | undefined {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries({ ...command.options, help: HELP_OPTION })) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  // An option with an optional value that has none is taken out before parsing and set to true.
  const withoutValue = new Set<string>();
  const words = argv.filter((word, i) => {
    const name = word.startsWith("--") ? word.slice(2) : undefined;
    const spec = name === undefined ? undefined : command.options[name];
    if (!spec?.optionalValue) return true;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith("-")) return true;
    withoutValue.add(name as string);
    return false;
  });
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: words, options, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs explains what is wrong ("Unknown option '--foo'"); keep its words, add the command.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message, command.name);
  }
  if (parsed.values.help) return undefined;
  const values: Record<string, string | boolean | (string | boolean)[] | undefined> = { ...parsed.values };
  for (const name of withoutValue) if (values[name] === undefined) values[name] = true;
  return { options: values, positionals: bindPositionals(command, parsed.positionals) };
}

function bindPositionals(command: Command, words: string[]): Record<string, string | string[] | undefined> {
  const bound: Record<string, string | string[] | undefined> = {};
  let i = 0;
  for (const spec of command.positionals) {
    if (spec.variadic) {
      const rest = words.slice(i);
      i = words.length;
      if (spec.required && rest.length === 0) {
        throw new UsageError(`missing argument <${spec.name}…>`, command.name);
      }
      bound[spec.name] = rest;
    } else {
      const word = words[i++];
      if (word === undefined && spec.required) {
        throw new UsageError(`missing argument <${spec.name}>`, command.name);
      }
      bound[spec.name] = word;
    }
  }
  if (i < words.length) {
    throw new UsageError(`unexpected argument '${words[i]}'`, command.name);
  }
  return bound;
}

/**
 * How the user reached the command, so that help and hints show a command line that works:
 * `pnpm gemcnn` through the workspace's script (pnpm sets `npm_lifecycle_event` for it),
 * `pnpm exec gemcnn` through the workspace's bin, and `gemcnn` where it is installed on PATH.
 */
export function invocationName(env: Readonly<Record<string, string | undefined>>): string {
  if (env.npm_package_name === WORKSPACE_PACKAGE && WORKSPACE_SCRIPTS.includes(env.npm_lifecycle_event ?? ""))
    return "pnpm gemcnn";
  if (env.npm_command === "exec") return "pnpm exec gemcnn";
  return "gemcnn";
}

/** The repository's root package and its scripts that run this command line. */
const WORKSPACE_PACKAGE = "gemcnn-workspace";
const WORKSPACE_SCRIPTS = ["gemcnn", "experiment"];

/**
 * The `--help` text of a command: usage line, description, arguments, options, examples. Examples
 * are written as `gemcnn …`; `program` (see `invocationName`) replaces that word.
 */
export function formatCommandHelp(command: Command, program = "gemcnn"): string {
  const positionalUsage = command.positionals
    .map((p) => {
      const word = p.variadic ? `<${p.name}…>` : `<${p.name}>`;
      return p.required ? word : `[${word}]`;
    })
    .join(" ");
  const lines = [
    `Usage: ${program} ${command.name}${positionalUsage ? ` ${positionalUsage}` : ""} [options]`,
    "",
    command.summary,
  ];
  if (command.description) lines.push("", command.description);
  if (command.positionals.length > 0) {
    lines.push("", "Arguments:");
    const width = Math.max(...command.positionals.map((p) => p.name.length + 2));
    for (const p of command.positionals) lines.push(`  ${`<${p.name}>`.padEnd(width)}  ${p.description}`);
  }
  lines.push("", "Options:");
  const entries = Object.entries({ ...command.options, help: HELP_OPTION }).map(([name, spec]) => {
    const value = spec.valueName ?? "<value>";
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${
      spec.type === "string" ? ` ${spec.optionalValue ? `[${value}]` : value}` : ""
    }`;
    const text = `${spec.description}${spec.defaultText ? ` (default: ${spec.defaultText})` : ""}`;
    return [flag, text] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length));
  for (const [flag, text] of entries) lines.push(`  ${flag.padEnd(width)}  ${text}`);
  if (command.examples.length > 0) {
    lines.push("", "Examples:");
    for (const example of command.examples) {
      lines.push(`  ${example.command.replace(/^gemcnn(?= )/, program)}`, `      ${example.description}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The value of a string option, or `undefined` when absent. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new Error(`option --${name} is not a string option`);
  return value;
}

/**
 * An option with an optional value (`OptionSpec.optionalValue`): `undefined` when absent, `true`
 * when given without a value, else the value.
 */
export function optionalValueOption(args: ParsedArgs, name: string): string | true | undefined {
  const value = args.options[name];
  if (value === undefined || value === true || typeof value === "string") return value;
  throw new Error(`option --${name} is not a string option`);
}

export function booleanOption(args: ParsedArgs, name: string): boolean {
  return args.options[name] === true;
}

/** The values of a repeatable string option (empty when absent). */
export function stringListOption(args: ParsedArgs, name: string): string[] {
  const value = args.options[name];
  if (value === undefined) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  throw new Error(`option --${name} is not a string option`);
}

/** An integer option within `[min, max]`; a malformed value is a `UsageError` naming the option. */
export function integerOption(
  args: ParsedArgs,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new UsageError(`option --${name} expects an integer, got '${text}'`);
  }
  checkRange(name, value, range);
  return value;
}

/** A finite number option within `[min, max]`; a malformed value is a `UsageError` naming the option. */
export function numberOption(
  args: ParsedArgs,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`option --${name} expects a number, got '${text}'`);
  }
  checkRange(name, value, range);
  return value;
}

/** A comma-separated list of numbers, e.g. `--head 64,32`. */
export function numberListOption(args: ParsedArgs, name: string, fallback: readonly number[]): number[] {
  const text = stringOption(args, name);
  if (text === undefined) return [...fallback];
  const parts = text.split(",").map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === "") || values.some((v) => !Number.isFinite(v))) {
    throw new UsageError(`option --${name} expects comma-separated numbers, got '${text}'`);
  }
  return values;
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/**
 * A size in bytes, from `1000000`, `500MB`, `1.5GiB` (units B, kB, MB, GB, TB in powers of 1000,
 * KiB, MiB, GiB, TiB in powers of 1024, any case), at least 1 and at most `max`.
 */
export function byteSizeOption(args: ParsedArgs, name: string, fallback: number, max: number): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? BYTE_UNITS[(match[2] || "b").toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(
      `option --${name} expects a size such as 4GiB, 500MB or 1000000 (bytes), got '${text}'`,
    );
  }
  const value = Math.round(Number(match[1]) * unit);
  if (!(value >= 1 && value <= max)) {
    throw new UsageError(
      `option --${name} must be from 1 byte to ${max} bytes, got '${text}' (${value} bytes)`,
    );
  }
  return value;
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`option --${name} expects one of ${choices.join(", ")}, got '${text}'`);
  }
  return text as T;
}

function checkRange(name: string, value: number, { min, max }: { min?: number; max?: number }): void {
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    const bounds =
      min !== undefined && max !== undefined
        ? `from ${min} to ${max}`
        : min !== undefined
          ? `at least ${min}`
          : `at most ${max}`;
    throw new UsageError(`option --${name} must be ${bounds}, got ${value}`);
  }
}
