import { z } from "zod";

/*
 * Every helper records what it accepts (`accepts`, for the configuration reference that
 * `pnpm docs:config` writes); each field adds its meaning with `.describe()`.
 */

/** "true"/"false"/"1"/"0"/"yes"/"no" — never z.coerce.boolean(), which makes "false" true. */
export const booleanString = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off", ""], {
    error: 'expected one of "true", "false", "1", "0", "yes", "no"',
  })
  .transform((v) => v === "true" || v === "1" || v === "yes" || v === "on")
  .meta({ accepts: "`true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`)" });

export function integer(defaultValue: number, options: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = options;
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(String(defaultValue) as never)
    .transform((v) => Number(v))
    .meta({
      accepts:
        max === Number.MAX_SAFE_INTEGER
          ? `whole number ≥ ${min}`
          : `whole number ${min.toLocaleString("en")}–${max.toLocaleString("en")}`,
    });
}

export const port = (defaultValue: number) => integer(defaultValue, { min: 0, max: 65535 });

export function connectionUrl(protocols: readonly string[], defaultValue: string) {
  return z
    .string()
    .trim()
    .default(defaultValue)
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}` },
    )
    .meta({ accepts: `URL: ${protocols.map((p) => `\`${p}//…\``).join(" or ")}` });
}

/** Like `connectionUrl`, with no default: unset (or empty) stays undefined. */
export function optionalConnectionUrl(protocols: readonly string[]) {
  return z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : v))
    .refine(
      (value) => {
        if (value === undefined) return true;
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}` },
    )
    .meta({ accepts: `URL: ${protocols.map((p) => `\`${p}//…\``).join(" or ")} (empty: unset)` });
}

export const logLevel = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
  .default("info");

/** Key prefix for everything orderhook keeps in Redis (BullMQ's `prefix` included). */
export const queuePrefix = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.:{}-]{1,64}$/, "expected 1-64 characters from A-Z a-z 0-9 _ . : - { }")
  // Braces only as one Redis Cluster hash tag, `{…}`: Redis hashes what is inside the first pair.
  .refine((v) => !/[{}]/.test(v) || /^[^{}]*\{[^{}]+\}[^{}]*$/.test(v), "expected at most one {hash tag}")
  .default("orderhook")
  .meta({ accepts: "1–64 characters of `A-Z a-z 0-9 _ . : -`, optionally one `{hash tag}`" });

export const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : v))
  .meta({ accepts: "text (empty: unset)" });

const TRUST_WORDS: Record<string, number> = {
  "": 0,
  false: 0,
  no: 0,
  off: 0,
  "0": 0,
  true: 1,
  yes: 1,
  on: 1,
};

/**
 * How many proxies in front append a trusted entry to X-Forwarded-For: "false"/unset (0, the
 * socket's address is the client), "true" (1, e.g. Railway's edge) or a number up to 10.
 */
export const trustProxy = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => Object.hasOwn(TRUST_WORDS, v) || (/^\d{1,2}$/.test(v) && Number(v) <= 10), {
    message: 'expected "false", "true" or the number of trusted proxies (0-10)',
  })
  .transform((v) => TRUST_WORDS[v] ?? Number(v))
  .optional()
  .transform((v) => v ?? 0)
  .meta({ accepts: "`false`, `true` (1) or a number of proxies 0–10" });

/**
 * Why `password` is too weak for a dashboard that can read every queued order, or null: at least
 * 16 characters, 10 of them different, from at least two of letters, digits and other characters
 * (`openssl rand -base64 24` passes).
 */
export function weakPasswordReason(password: string): string | null {
  const characters = [...password];
  if (characters.length < 16) return "must be at least 16 characters (try `openssl rand -base64 24`)";
  if (new Set(characters).size < 10) return "must use at least 10 different characters";
  const classes = [/\p{L}/u, /\p{N}/u, /[^\p{L}\p{N}]/u].filter((kind) => kind.test(password)).length;
  if (classes < 2) return "must mix at least two of letters, digits and other characters";
  return null;
}
