import { type Database, type User, users } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { normalizeEmail, requireName } from "./arguments";
import { readRateLimit, type UserRateLimitInput } from "./user-rate-limit";

export interface CreateUserInput extends UserRateLimitInput {
  email: string;
  name?: string | undefined;
}

/** A user; a rate limit or burst left out is the default (null). */
export async function createUser(db: Database, input: CreateUserInput): Promise<User> {
  const email = normalizeEmail(input.email);
  const values = {
    email,
    name: input.name === undefined ? null : requireName(input.name, "name"),
    ...readRateLimit(input),
  };
  const [user] = await db
    .insert(users)
    .values(values)
    .onConflictDoNothing({ target: users.email })
    .returning();
  if (!user) throw new OrderhookError("conflict", { detail: `a user with email ${email} already exists` });
  return user;
}
