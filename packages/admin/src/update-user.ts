import { type Database, type User, users, webhooks } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { and, eq } from "drizzle-orm";
import { normalizeEmail } from "./arguments";
import { readRateLimit, type UserRateLimitInput } from "./user-rate-limit";

export interface UpdatedUser {
  user: User;
  /** The user's active webhooks: receivers cache the rate with each, so each gets an `updated` event. */
  webhookIds: string[];
}

/** Changes a user's rate limit or burst; null puts one back to the default. */
export async function updateUser(
  db: Database,
  email: string,
  input: UserRateLimitInput,
): Promise<UpdatedUser> {
  const normalized = normalizeEmail(email);
  const values = readRateLimit(input);
  if (Object.keys(values).length === 0) {
    throw new OrderhookError("invalid_argument", {
      detail: "no setting to change: give a rate limit or a burst",
    });
  }
  return db.transaction(async (tx) => {
    const [user] = await tx.update(users).set(values).where(eq(users.email, normalized)).returning();
    if (!user) throw new OrderhookError("not_found", { detail: `no user with email ${normalized}` });
    const rows = await tx
      .select({ id: webhooks.id })
      .from(webhooks)
      .where(and(eq(webhooks.userId, user.id), eq(webhooks.active, true)));
    return { user, webhookIds: rows.map((row) => row.id) };
  });
}
