import {
  cliEnvSchema,
  consoleEnvSchema,
  parseEnv,
  receiverEnvSchema,
  workerEnvSchema,
} from "@orderhook/config";
import { describe, expect, it } from "vitest";
import { readRepoFile } from "./repo-files";

const schemas = {
  receiver: receiverEnvSchema,
  worker: workerEnvSchema,
  cli: cliEnvSchema,
  console: consoleEnvSchema,
} as const;
/** Read by docker-compose.yml, not by any app. */
const composeOnly: Record<string, string> = { POSTGRES_PASSWORD: "orderhook" };

// Both "# NAME=value" (a documented default) and "NAME=value" count.
const entries = [...readRepoFile(".env.example").matchAll(/^#?\s?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({
  name: m[1] ?? "",
  value: m[2] ?? "",
}));
const documented = new Set(entries.map((e) => e.name));

describe(".env.example", () => {
  it.each(Object.entries(schemas))("documents every variable the %s reads", (_app, schema) => {
    const missing = Object.keys(schema.shape).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });

  it("documents no variable that nothing reads", () => {
    const known = new Set([
      ...Object.values(schemas).flatMap((s) => Object.keys(s.shape)),
      ...Object.keys(composeOnly),
    ]);
    expect([...documented].filter((name) => !known.has(name))).toEqual([]);
  });

  it("shows each variable's real default, so uncommenting a line changes nothing", () => {
    const wrong = entries
      .filter(({ value }) => value !== "")
      .filter(({ name, value }) => {
        if (name in composeOnly) return composeOnly[name] !== value;
        const readers = Object.values(schemas).filter((s) => name in s.shape);
        return !readers.some((schema) => {
          const defaults = parseEnv(schema, {}) as Record<string, unknown>;
          const given = parseEnv(schema, { [name]: value }) as Record<string, unknown>;
          return String(given[name]) === String(defaults[name]);
        });
      })
      .map(({ name, value }) => `${name}=${value}`);
    expect(wrong).toEqual([]);
  });
});
