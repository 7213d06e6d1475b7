import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic as writeFileAtomicInPlace } from "@gemcnn/geometry/node";

/**
 * Writes a file so that readers see either the old or the new content, never a torn one (the
 * geometry package's temporary-file-and-rename), creating missing parent directories first.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomicInPlace(path, data);
}

/** A fresh, unique temporary name beside `path` (not created), for directories made atomically. */
export function siblingTemporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}
