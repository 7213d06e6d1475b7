import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  test: {
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "integration", include: ["test/**/*.test.ts"], testTimeout: 120_000 },
      },
      {
        // The viewer in real headless Chromium (Debian's, driven by playwright-core), against its
        // static build served on a free loopback port by the global setup.
        extends: true,
        test: {
          name: "browser",
          include: ["apps/viewer/e2e/**/*.test.ts"],
          globalSetup: ["apps/viewer/e2e/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
