import type { TestProject } from "vitest/node";
import { serveStaticBuild } from "./serve.js";

declare module "vitest" {
  interface ProvidedContext {
    /** Address of the static build of the viewer, served for the browser tests. */
    viewerUrl: string;
  }
}

/** Serves the viewer's static build for the whole browser test run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const served = await serveStaticBuild();
  project.provide("viewerUrl", served.url);
  return () => served.close();
}
