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

describe("the help shows each command's own defaults, the ones it runs with", () => {
  const io = captureIO();

  it("experiment: 20 epochs (60 for the linear probe), moments and curvature, run 'experiment', replaced", () => {
    for (const model of ["gemcnn", "linear-probe"] as const) {
      const { setup, settings } = experimentSettings(
        parseCommandArgs(experimentCommand, ["--model", model])!,
        io,
      );
      const [gemcnn, probe] = helpDefault(experimentCommand, "epochs")!.split("; linear-probe ");
      expect(settings.epochs).toBe(Number(model === "gemcnn" ? gemcnn : probe));
      expect(setup.options.features.kinds.join(",")).toBe(helpDefault(experimentCommand, "features"));
      expect(settings.runDir.endsWith(`runs/${helpDefault(experimentCommand, "name")}`)).toBe(true);
      expect(settings.force).toBe(true);
    }
    expect(helpDefault(experimentCommand, "epochs")).toBe("20; linear-probe 60");
    expect(helpDefault(experimentCommand, "features")).toBe("moments,curvature");
    expect(helpDefault(experimentCommand, "synthetic")).toBe("when --data is not given");
    expect(formatCommandHelp(experimentCommand)).toContain("trains the GEM-CNN classifier (20 epochs)");
    // --resume continues the run instead of replacing it.
    const resumed = experimentSettings(parseCommandArgs(experimentCommand, ["--resume"])!, io).settings;
    expect(resumed.force).toBe(false);
  });

  it("train: 30 epochs and the heat kernel, never replaced without --force (the control: other defaults)", () => {
    const args = parseCommandArgs(trainCommand, [])!;
    const settings = trainSettingsFromArgs(args, io, { name: "synthetic" });
    const setup = preprocessingFromArgs(args, io);
    expect(helpDefault(trainCommand, "epochs")).toBe(`${settings.epochs}; linear-probe 60`);
    expect(settings.epochs).toBe(30);
    expect(helpDefault(trainCommand, "features")).toBe(setup.options.features.kinds.join(","));
    expect(setup.options.features.kinds).toContain("hks");
    expect(settings.force).toBe(false);
    expect(helpDefault(trainCommand, "force")).toBeUndefined();
    expect(helpDefault(trainCommand, "epochs")).not.toBe(helpDefault(experimentCommand, "epochs"));
  });
});
