import { execFile } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import type { PerVertexModels } from "./per-vertex-models.js";
import type { RegressionModels } from "./regression-models.js";
import { serveStaticBuild } from "./serve.js";
import type { TinyClassifier } from "./tiny-classifier.js";

declare module "vitest" {
  interface ProvidedContext {
    /** Address of the static build of the viewer, served for the browser tests. */
    viewerUrl: string;
    perVertexModels: PerVertexModels;
    regressionModels: RegressionModels;
  }
}

const repository = join(import.meta.dirname, "..", "..", "..");

/** Trains and saves the test models under `root` in a child process (see write-tiny-classifiers.ts). */
async function writeModels(
  root: string,
  baseUrl: string,
): Promise<{
  tinyClassifier: TinyClassifier;
  perVertexModels: PerVertexModels;
  regressionModels: RegressionModels;
}> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--conditions=source",
      "--import",
      "tsx",
      join(import.meta.dirname, "write-tiny-classifiers.ts"),
      root,
      baseUrl,
    ],
    { cwd: repository, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

/**
 * Serves the viewer's static build for the whole browser test run, with the test classifiers
 * (trained in Node while the page builds) copied into its `test-models/` folder.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), "gemcnn-test-models-"));
  // The server's address is not known yet: the models' URLs start relative, and become absolute below.
  const models = writeModels(root, "test-models/");
  models.catch(() => {});
  const served = await serveStaticBuild({
    addFiles: async (outDir) => {
      await models;
      await cp(root, join(outDir, "test-models"), { recursive: true });
    },
  });
  const { tinyClassifier: tiny, perVertexModels, regressionModels } = await models;
  const absolute = (url: string) => new URL(url, served.url).href;
  project.provide("viewerUrl", served.url);
  project.provide("tinyClassifier", {
    ...tiny,
    url: absolute(tiny.url),
    brokenUrl: absolute(tiny.brokenUrl),
    hksUrl: absolute(tiny.hksUrl),
    noTimeScaleUrl: absolute(tiny.noTimeScaleUrl),
  });
  const urlsOf = (models: object) =>
    Object.fromEntries(
      Object.entries(models)
        .filter(([key]) => key.endsWith("Url"))
        .map(([key, url]) => [key, absolute(url as string)]),
    );
  project.provide("perVertexModels", { ...perVertexModels, ...urlsOf(perVertexModels) } as PerVertexModels);
  project.provide("regressionModels", {
    ...regressionModels,
    ...urlsOf(regressionModels),
  } as RegressionModels);
  return async () => {
    await served.close();
    await rm(root, { recursive: true, force: true });
  };
}
