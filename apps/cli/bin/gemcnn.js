#!/usr/bin/env node
// Installed entry point: the CLI ships as TypeScript sources, which tsx's loader runs directly,
// so that `pnpm gemcnn` and the installed bin execute the very same code without a build step.
import { register } from "tsx/esm/api";

register();
await import("../src/bin.ts");
