import { type Database, type User, users } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { eq } from "drizzle-orm";
import { normalizeEmail } from "./arguments";

export async function getUserByEmail(db: Database, email: string): Promise<User> {
  const normalized = normalizeEmail(email);
  const [user] = await db.select().from(users).where(eq(users.email, normalized)).limit(1);
  if (!user) throw new OrderhookError("not_found", { detail: `no user with email ${normalized}` });
  return user;
}
