import { type Database, type User, users } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { normalizeEmail, requireInteger, requireName } from "./arguments";

export interface CreateUserInput {
  email: string;
  name?: string | undefined;
  /** Alerts per second for this user; absent means the receiver's default. */
  rateLimitPerSecond?: number | undefined;
}

export async function createUser(db: Database, input: CreateUserInput): Promise<User> {
  const email = normalizeEmail(input.email);
  const values = {
    email,
    name: input.name === undefined ? null : requireName(input.name, "name"),
    rateLimitPerSecond:
      input.rateLimitPerSecond === undefined
        ? null
        : requireInteger(input.rateLimitPerSecond, "rate limit", 1, 1_000_000),
  };
  const [user] = await db
    .insert(users)
    .values(values)
    .onConflictDoNothing({ target: users.email })
    .returning();
  if (!user) throw new OrderhookError("conflict", { detail: `a user with email ${email} already exists` });
  return user;
}
