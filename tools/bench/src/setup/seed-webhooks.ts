import {
  brokerAccounts,
  type Database,
  generateToken,
  hashToken,
  tokenDisplayPrefix,
  users,
  webhooks,
} from "@orderhook/db";

export interface SeededWebhook {
  userId: string;
  accountId: string;
  webhookId: string;
  token: string;
}

export interface SeedOptions {
  /** Distinguishes the users of one target from another's in the same database. */
  label: string;
  users: number;
  rateLimitPerSecond: number;
}

/** One user, broker account and webhook per `users`, written straight through @orderhook/db. */
export async function seedWebhooks(db: Database, options: SeedOptions): Promise<SeededWebhook[]> {
  const seeded: SeededWebhook[] = [];
  for (let i = 0; i < options.users; i++) {
    const name = `${options.label}-${i}`;
    const [user] = await db
      .insert(users)
      .values({ email: `${name}@bench.test`, name, rateLimitPerSecond: options.rateLimitPerSecond })
      .returning({ id: users.id });
    const [account] = await db
      .insert(brokerAccounts)
      .values({ userId: user!.id, name: `paper-${name}`, broker: "paper" })
      .returning({ id: brokerAccounts.id });
    const token = generateToken();
    const [webhook] = await db
      .insert(webhooks)
      .values({
        userId: user!.id,
        accountId: account!.id,
        name: `hook-${name}`,
        tokenHash: hashToken(token),
        tokenPrefix: tokenDisplayPrefix(token),
      })
      .returning({ id: webhooks.id });
    seeded.push({ userId: user!.id, accountId: account!.id, webhookId: webhook!.id, token });
  }
  return seeded;
}

export function webhookPaths(seeded: SeededWebhook[]): string[] {
  return seeded.map((s) => `/v1/webhooks/${s.token}`);
}
