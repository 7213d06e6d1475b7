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
    ],
  },
});
