import { consoleEnvSchema, parseEnv, receiverEnvSchema, workerEnvSchema } from "@orderhook/config";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { copiedPaths, parseDockerfile, readRepoFile } from "./repo-files";

interface RailwayToml {
  build: { builder: string; dockerfilePath: string };
  deploy: {
    startCommand: string;
    preDeployCommand: string[];
    healthcheckPath: string;
    healthcheckTimeout: number;
    restartPolicyType: string;
    restartPolicyMaxRetries: number;
    drainingSeconds: number;
  };
}

const config = parse(readRepoFile("railway.toml")) as unknown as RailwayToml;
const dockerfile = parseDockerfile(readRepoFile("Dockerfile"));

describe("railway.toml", () => {
  it("builds the receiver from the root Dockerfile", () => {
    expect(config.build.builder).toBe("DOCKERFILE");
    expect(() => readRepoFile(config.build.dockerfilePath)).not.toThrow();
  });

  it.each(["receiver", "worker", "console"])(
    "starts node on the deployed app directly in the %s image, so SIGTERM reaches it",
    (app) => {
      const deployed = copiedPaths(dockerfile, app).get(`build:/out/${app}`);
      expect(config.deploy.startCommand).toBe(`node ${deployed}/dist/main.js`);
    },
  );

  it.each(["receiver", "worker", "console"])(
    "migrates before each deploy with the CLI that the %s image carries",
    (app) => {
      const cli = copiedPaths(dockerfile, app).get("build:/out/cli");
      expect(config.deploy.preDeployCommand).toEqual([`node ${cli}/dist/main.js db migrate`]);
    },
  );

  it("leaves replica counts to each service, since every service reads this file", () => {
    expect(config.deploy).not.toHaveProperty("numReplicas");
    expect(config.deploy).not.toHaveProperty("multiRegionConfig");
  });

  it("switches traffic only once /readyz answers", () => {
    expect(config.deploy.healthcheckPath).toBe("/readyz");
    expect(config.deploy.healthcheckTimeout).toBeGreaterThan(0);
  });

  it("restarts a crashed process a bounded number of times", () => {
    expect(config.deploy.restartPolicyType).toBe("ON_FAILURE");
    expect(config.deploy.restartPolicyMaxRetries).toBeGreaterThan(0);
  });

  it("drains longer than the receiver's, the worker's and the console's shutdown timeouts, as a number", () => {
    // Railway rejects a quoted drainingSeconds ("Expected number, received string").
    expect(typeof config.deploy.drainingSeconds).toBe("number");
    const receiver = parseEnv(receiverEnvSchema, {}).SHUTDOWN_TIMEOUT_MS;
    const worker = parseEnv(workerEnvSchema, {}).SHUTDOWN_TIMEOUT_MS;
    const webConsole = parseEnv(consoleEnvSchema, {}).SHUTDOWN_TIMEOUT_MS;
    expect(config.deploy.drainingSeconds * 1000).toBeGreaterThan(Math.max(receiver, worker, webConsole));
  });
});
