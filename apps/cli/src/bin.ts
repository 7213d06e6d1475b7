// Entry point for `pnpm gemcnn` (tsx) and for bin/gemcnn.js (installed bin).
import { runCli } from "./main.js";

process.exitCode = await runCli(process.argv.slice(2));
