import { type Database, users, webhooks } from "@orderhook/db";
import { asc, count, eq, ilike, or } from "drizzle-orm";
import { requireInteger } from "./arguments";

export interface UserListing {
  id: string;
  email: string;
  name: string | null;
  webhooks: number;
  createdAt: Date;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Users by email, for an operator's picker: all of them, or those whose email or name contains `search`. */
export async function listUsers(
  db: Database,
  input: { search?: string | undefined; limit?: number | undefined } = {},
): Promise<UserListing[]> {
  const limit = requireInteger(input.limit ?? 100, "limit", 1, 1_000);
  const search = input.search?.trim() ?? "";
  const pattern = `%${escapeLike(search)}%`;
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      webhooks: count(webhooks.id),
      createdAt: users.createdAt,
    })
    .from(users)
    .leftJoin(webhooks, eq(webhooks.userId, users.id))
    .where(search === "" ? undefined : or(ilike(users.email, pattern), ilike(users.name, pattern)))
    .groupBy(users.id)
    .orderBy(asc(users.email))
    .limit(limit);
}
