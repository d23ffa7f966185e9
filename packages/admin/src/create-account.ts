import { type BrokerAccount, brokerAccounts, type Database } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import { requireName } from "./arguments";
import { getUserByEmail } from "./get-user-by-email";

export interface CreateAccountInput {
  userEmail: string;
  name: string;
  broker?: string | undefined;
}

const BROKER = /^[a-z][a-z0-9_-]{0,31}$/;

export async function createAccount(db: Database, input: CreateAccountInput): Promise<BrokerAccount> {
  const name = requireName(input.name, "account name");
  const broker = (input.broker ?? "paper").trim().toLowerCase();
  if (!BROKER.test(broker)) {
    throw new OrderhookError("invalid_argument", {
      detail: `broker "${input.broker}" must be a lower-case identifier such as paper`,
    });
  }
  const user = await getUserByEmail(db, input.userEmail);
  const [account] = await db
    .insert(brokerAccounts)
    .values({ userId: user.id, name, broker })
    .onConflictDoNothing({ target: [brokerAccounts.userId, brokerAccounts.name] })
    .returning();
  if (!account) {
    throw new OrderhookError("conflict", { detail: `${user.email} already has an account named "${name}"` });
  }
  return account;
}
