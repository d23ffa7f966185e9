import type { z } from "zod";

export class ConfigError extends Error {
  readonly issues: { variable: string; message: string }[];

  constructor(issues: { variable: string; message: string }[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable} (${i.message})`).join(", ")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

type Env = Record<string, string | undefined>;

/** Parses the environment against a schema, reporting every bad variable at once. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const seen = new Map<string, string>();
  for (const issue of result.error.issues) {
    const variable = String(issue.path[0] ?? "(environment)");
    if (!seen.has(variable)) seen.set(variable, issue.message);
  }
  throw new ConfigError([...seen].map(([variable, message]) => ({ variable, message })));
}

/**
 * Reads the process environment once. On a bad value it prints one line per offending
 * variable (never the value: it may be a secret) and exits non-zero.
 */
export function loadEnv<S extends z.ZodType>(
  schema: S,
  env: Env = process.env,
  exit: (code: number) => never = process.exit,
): z.infer<S> {
  try {
    return parseEnv(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write("orderhook: invalid configuration\n");
    for (const issue of error.issues) process.stderr.write(`  ${issue.variable}: ${issue.message}\n`);
    return exit(1);
  }
}
