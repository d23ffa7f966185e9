import { z } from "zod";

// z.guid(): any 8-4-4-4-12 hex string, as Postgres accepts it.
const uuid = z.guid();

/**
 * Whether `value` can be looked up as a uuid column. Reads scoped to a user answer "none" for
 * anything else, exactly as for another user's id, instead of letting Postgres raise an error.
 */
export function isUuid(value: string): boolean {
  return uuid.safeParse(value).success;
}
