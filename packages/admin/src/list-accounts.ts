import { type BrokerAccount, brokerAccounts, type Database } from "@orderhook/db";
import { asc, eq } from "drizzle-orm";
import { getUserByEmail } from "./get-user-by-email";

/** One user's broker accounts, oldest first: where `webhook create --account` finds its id. */
export async function listAccounts(db: Database, userEmail: string): Promise<BrokerAccount[]> {
  const user = await getUserByEmail(db, userEmail);
  return db
    .select()
    .from(brokerAccounts)
    .where(eq(brokerAccounts.userId, user.id))
    .orderBy(asc(brokerAccounts.createdAt));
}
