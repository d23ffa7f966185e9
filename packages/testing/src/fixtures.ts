import { randomBytes } from "node:crypto";
import {
  brokerAccounts,
  type Database,
  generateSigningSecret,
  issueToken,
  users,
  webhooks,
} from "@orderhook/db";

export interface Fixture {
  userId: string;
  email: string;
  accountId: string;
  accountName: string;
  webhookId: string;
  token: string;
  signingSecret: string | null;
}

export interface FixtureOptions {
  rateLimitPerSecond?: number | null;
  signingSecret?: boolean;
  accountActive?: boolean;
}

/** A user with one broker account and one webhook, with random names so tests never collide. */
export async function createFixture(db: Database, options: FixtureOptions = {}): Promise<Fixture> {
  const suffix = randomBytes(5).toString("hex");
  const email = `trader-${suffix}@example.test`;
  const [user] = await db
    .insert(users)
    .values({ email, name: `Trader ${suffix}`, rateLimitPerSecond: options.rateLimitPerSecond ?? null })
    .returning();
  const [account] = await db
    .insert(brokerAccounts)
    .values({
      userId: user!.id,
      name: `paper-${suffix}`,
      broker: "paper",
      active: options.accountActive ?? true,
    })
    .returning();
  const { token, tokenHash, tokenPrefix } = issueToken();
  const signingSecret = options.signingSecret ? generateSigningSecret() : null;
  const [webhook] = await db
    .insert(webhooks)
    .values({
      userId: user!.id,
      accountId: account!.id,
      name: `hook-${suffix}`,
      tokenHash,
      tokenPrefix,
      signingSecret,
    })
    .returning();
  return {
    userId: user!.id,
    email,
    accountId: account!.id,
    accountName: account!.name,
    webhookId: webhook!.id,
    token,
    signingSecret,
  };
}
