import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium; `.ci/run` installs it with `apt-get install -y chromium`. */
export const CHROMIUM_PATH = process.env["GEMCNN_CHROMIUM"] ?? "/usr/bin/chromium";

/** Flags for headless Chromium on machines with no GPU and a closed network (shared/notes/platform.md). */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches headless Chromium, failing with instructions when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the viewer's browser tests need it. ` +
        "Install it with `apt-get install -y chromium` (.ci/run does this), or set GEMCNN_CHROMIUM.",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** Opens the viewer in a fresh page and waits until it has drawn its first mesh. */
export async function openViewer(
  browser: Browser,
  url: string,
  viewport = { width: 960, height: 600 },
): Promise<Page> {
  const page = await browser.newPage({ viewport });
  // An uncaught error while loading fails at once rather than after the timeout.
  let failed: (error: Error) => void = () => {};
  const uncaught = new Promise<never>((_, reject) => {
    failed = reject;
  });
  const onError = (error: Error) => failed(new Error(`viewer did not become ready: ${error.message}`));
  page.on("pageerror", onError);
  try {
    await page.goto(url);
    await Promise.race([
      page.waitForFunction(() => window.__gemcnnViewer?.ready === true, undefined, { timeout: 20_000 }),
      uncaught,
    ]);
  } finally {
    page.off("pageerror", onError);
  }
  return page;
}

/** Drops a file named `name` holding `contents` on the page's view, as a user dragging it there. */
export async function dropFile(page: Page, name: string, contents: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, contents }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([contents], name, { type: "application/octet-stream" }));
      return transfer;
    },
    { name, contents },
  );
  await page.dispatchEvent("#viewport", "drop", { dataTransfer });
}

/** Drops several files together on the page's view (`contents` as text). */
export async function dropFiles(
  page: Page,
  files: readonly { name: string; contents: string }[],
): Promise<void> {
  const dataTransfer = await page.evaluateHandle((files) => {
    const transfer = new DataTransfer();
    for (const { name, contents } of files) {
      transfer.items.add(new File([contents], name, { type: "application/octet-stream" }));
    }
    return transfer;
  }, files);
  await page.dispatchEvent("#viewport", "drop", { dataTransfer });
}
