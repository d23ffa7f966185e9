import { type Database, users } from "@orderhook/db";
import { eq } from "drizzle-orm";
import { isUuid } from "./user-scope";

/** A user's email and name by id, or null. */
export async function getUserById(
  db: Database,
  userId: string,
): Promise<{ id: string; email: string; name: string | null } | null> {
  if (!isUuid(userId)) return null;
  const [row] = await db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return row ?? null;
}
