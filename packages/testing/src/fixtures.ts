import { randomBytes } from "node:crypto";
import { brokerAccounts, type Database, insertWebhook, users } from "@orderhook/db";

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
  rateLimitBurst?: number | null;
  /** The webhook's alert settings (see `orderhook webhook update`); absent: the defaults. */
  defaultQuantity?: string | null;
  dedupWindowMs?: number | null;
  maxLagSeconds?: number | null;
  signingSecret?: boolean;
  accountActive?: boolean;
}

/** A user with one broker account and one webhook, with random names so tests never collide. */
export async function createFixture(db: Database, options: FixtureOptions = {}): Promise<Fixture> {
  const suffix = randomBytes(5).toString("hex");
  const email = `trader-${suffix}@example.test`;
  const [user] = await db
    .insert(users)
    .values({
      email,
      name: `Trader ${suffix}`,
      rateLimitPerSecond: options.rateLimitPerSecond ?? null,
      rateLimitBurst: options.rateLimitBurst ?? null,
    })
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
  const { webhook, token, signingSecret } = await insertWebhook(db, {
    userId: user!.id,
    accountId: account!.id,
    name: `hook-${suffix}`,
    signed: options.signingSecret === true,
    settings: {
      defaultQuantity: options.defaultQuantity ?? null,
      dedupWindowMs: options.dedupWindowMs ?? null,
      maxLagSeconds: options.maxLagSeconds ?? null,
    },
  });
  return {
    userId: user!.id,
    email,
    accountId: account!.id,
    accountName: account!.name,
    webhookId: webhook.id,
    token,
    signingSecret,
  };
}

/**
 * Another webhook of the fixture's user: on the fixture's account (`sameAccount`) or on a new
 * account of the same user, as a trader with one alert per broker account sets it up.
 */
export async function createSiblingWebhook(
  db: Database,
  owner: Fixture,
  options: { sameAccount?: boolean; signingSecret?: boolean } = {},
): Promise<Fixture> {
  const suffix = randomBytes(5).toString("hex");
  let accountId = owner.accountId;
  let accountName = owner.accountName;
  if (!options.sameAccount) {
    const [account] = await db
      .insert(brokerAccounts)
      .values({ userId: owner.userId, name: `paper-${suffix}`, broker: "paper" })
      .returning();
    accountId = account!.id;
    accountName = account!.name;
  }
  const { webhook, token, signingSecret } = await insertWebhook(db, {
    userId: owner.userId,
    accountId,
    name: `hook-${suffix}`,
    signed: options.signingSecret === true,
  });
  return { ...owner, accountId, accountName, webhookId: webhook.id, token, signingSecret };
}
