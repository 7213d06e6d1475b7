import { describe, expect, it } from "vitest";
import { captureIO } from "../cli/capture-io.js";
import { type Command, formatCommandHelp, parseCommandArgs } from "../cli/command.js";
import { experimentCommand, experimentSettings } from "./experiment.js";
import { preprocessingFromArgs } from "./shared.js";
import { trainCommand, trainSettingsFromArgs } from "./train.js";

/** The "(default: …)" text of `--option` in a command's help. */
function helpDefault(command: Command, option: string): string | undefined {
  const line = formatCommandHelp(command)
    .split("\n")
    .find((l) => new RegExp(`--${option}\\b`).test(l));
  return line === undefined ? undefined : /\(default: ([^)]*)\)$/.exec(line)?.[1];
}

/** The default of `part` ("gemcnn", "linear-probe", "--task segmentation", …) in a help default "a; b c; d e". */
function defaultFor(text: string, part: string): string | undefined {
  const entries = text.split("; ");
  if (part === "gemcnn") return entries[0];
  const entry = entries.find((e) => e.startsWith(`${part} `));
  return entry?.slice(part.length + 1);
}

describe("the help shows each command's own defaults, the ones it runs with", () => {
  const io = captureIO();

  it("experiment: 20 epochs (60 for the linear probe), moments and curvature, run 'experiment', replaced", () => {
    for (const model of ["gemcnn", "linear-probe"] as const) {
      const { setup, settings } = experimentSettings(
        parseCommandArgs(experimentCommand, ["--model", model])!,
        io,
      );
      expect(settings.epochs).toBe(Number(defaultFor(helpDefault(experimentCommand, "epochs")!, model)));
      expect(setup.options.features.kinds.join(",")).toBe(
        defaultFor(helpDefault(experimentCommand, "features")!, "gemcnn"),
      );
      expect(
        settings.runDir.endsWith(`runs/${defaultFor(helpDefault(experimentCommand, "name")!, "gemcnn")}`),
      ).toBe(true);
      expect(settings.force).toBe(true);
    }
    expect(helpDefault(experimentCommand, "epochs")).toBe(
      "20; linear-probe 60; --task segmentation 60; --task correspondence 10; --task regression 60",
    );
    expect(helpDefault(experimentCommand, "features")).toBe(
      "moments,curvature; per-vertex tasks moments,curvature,hks; regression none",
    );
    expect(helpDefault(experimentCommand, "synthetic")).toBe("when --data is not given");
    expect(formatCommandHelp(experimentCommand)).toContain("trains the GEM-CNN classifier (20 epochs)");
    // --resume continues the run instead of replacing it.
    const resumed = experimentSettings(parseCommandArgs(experimentCommand, ["--resume"])!, io).settings;
    expect(resumed.force).toBe(false);
  });

  it("experiment --task: each per-vertex task's epochs and features, as the help says", () => {
    for (const task of ["segmentation", "correspondence"] as const) {
      const { setup, settings } = experimentSettings(
        parseCommandArgs(experimentCommand, ["--task", task])!,
        io,
        task,
      );
      expect(settings.epochs).toBe(
        Number(defaultFor(helpDefault(experimentCommand, "epochs")!, `--task ${task}`)),
      );
      expect(setup.options.features.kinds.join(",")).toBe(
        defaultFor(helpDefault(experimentCommand, "features")!, "per-vertex tasks"),
      );
      expect(settings.runDir.endsWith(`runs/experiment-${task}`)).toBe(true);
      expect(settings.threads).toBe(1);
    }
    // Correspondence's own: 16 heat-kernel times and field dropout 0.1, as the help says; the
    // control: segmentation keeps the usual 4 times and no field dropout.
    const [segmentation, correspondence] = (["segmentation", "correspondence"] as const).map((task) =>
      experimentSettings(parseCommandArgs(experimentCommand, ["--task", task])!, io, task),
    );
    expect(correspondence.setup.options.features.hksTimeCount).toBe(
      Number(defaultFor(helpDefault(experimentCommand, "hks-time-count")!, "--task correspondence")),
    );
    expect(correspondence.setup.options.features.hksTimeCount).toBe(16);
    expect(correspondence.settings.architecture.fieldDropout).toBe(
      Number(defaultFor(helpDefault(experimentCommand, "field-dropout")!, "--task correspondence")),
    );
    expect(correspondence.settings.architecture.fieldDropout).toBe(0.1);
    expect(correspondence.settings.architecture.embedding).toBe(64);
    expect(segmentation.setup.options.features.hksTimeCount).toBe(4);
    expect(segmentation.settings.architecture.fieldDropout).toBe(0);
    // An explicit option still wins.
    const explicit = experimentSettings(
      parseCommandArgs(experimentCommand, [
        "--task",
        "correspondence",
        "--hks-time-count",
        "8",
        "--field-dropout",
        "0",
      ])!,
      io,
      "correspondence",
    );
    expect(explicit.setup.options.features.hksTimeCount).toBe(8);
    expect(explicit.settings.architecture.fieldDropout).toBe(0);
    const { setup, settings } = experimentSettings(
      parseCommandArgs(experimentCommand, ["--task", "regression"])!,
      io,
      "regression",
    );
    expect(settings.epochs).toBe(
      Number(defaultFor(helpDefault(experimentCommand, "epochs")!, "--task regression")),
    );
    expect(setup.options.features.kinds).toEqual([]);
    expect(defaultFor(helpDefault(experimentCommand, "features")!, "regression")).toBe("none");
    expect(settings.runDir.endsWith("runs/experiment-regression")).toBe(true);
  });

  it("train: 30 epochs and the heat kernel, never replaced without --force (the control: other defaults)", () => {
    const args = parseCommandArgs(trainCommand, [])!;
    const settings = trainSettingsFromArgs(args, io, { name: "synthetic" });
    const setup = preprocessingFromArgs(args, io);
    expect(defaultFor(helpDefault(trainCommand, "epochs")!, "gemcnn")).toBe(`${settings.epochs}`);
    expect(defaultFor(helpDefault(trainCommand, "epochs")!, "linear-probe")).toBe("60");
    expect(settings.epochs).toBe(30);
    expect(helpDefault(trainCommand, "features")).toBe(setup.options.features.kinds.join(","));
    expect(setup.options.features.kinds).toContain("hks");
    expect(settings.force).toBe(false);
    expect(helpDefault(trainCommand, "force")).toBeUndefined();
    expect(helpDefault(trainCommand, "epochs")).not.toBe(helpDefault(experimentCommand, "epochs"));
  });
});
