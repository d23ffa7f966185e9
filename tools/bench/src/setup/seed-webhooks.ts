import type { Database } from "@orderhook/db";
import { createFixture, type Fixture } from "@orderhook/testing";

/**
 * `users` users, each with a paper account and a webhook (the test toolkit's fixtures), at
 * `rateLimitPerSecond` (and `rateLimitBurst` alerts at once, when given).
 */
export async function seedWebhooks(
  db: Database,
  options: { users: number; rateLimitPerSecond: number; rateLimitBurst?: number },
): Promise<Fixture[]> {
  const seeded: Fixture[] = [];
  for (let i = 0; i < options.users; i++) {
    seeded.push(
      await createFixture(db, {
        rateLimitPerSecond: options.rateLimitPerSecond,
        rateLimitBurst: options.rateLimitBurst ?? null,
      }),
    );
  }
  return seeded;
}

export function webhookPaths(seeded: Fixture[]): string[] {
  return seeded.map((s) => `/v1/webhooks/${s.token}`);
}
