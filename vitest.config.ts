import { defineConfig } from "vitest/config";

const all = [
  "apps/*/src/**/*.test.ts",
  "apps/*/test/**/*.test.ts",
  "packages/*/src/**/*.test.ts",
  "tools/*/src/**/*.test.ts",
  ".railway/**/*.test.ts",
];

// Suites that spawn receivers, workers, Redis servers or load generators and kill them on
// purpose. They run one file at a time after everything else, so a load test never competes
// with another process-heavy test for the machine's two cores.
const processSuites = [
  "packages/reliability/src/**/*.test.ts",
  "tools/bench/src/**/*.int.test.ts",
  "packages/deploy/src/image-build.int.test.ts",
  "packages/deploy/src/quick-start.int.test.ts",
  "apps/worker/src/end-to-end.int.test.ts",
  "apps/worker/src/worker-startup.int.test.ts",
  "apps/console/src/main.int.test.ts",
  "apps/console/src/test-alert.int.test.ts",
  "apps/console/src/deliveries-views.int.test.ts",
  "apps/console/src/console.browser.int.test.ts",
];

export default defineConfig({
  test: {
    globalSetup: ["packages/testing/src/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "core",
          include: all,
          exclude: processSuites,
          // Integration tests share one Postgres and one Redis on a 2-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "processes",
          include: processSuites,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
