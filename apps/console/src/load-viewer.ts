import { getUserById } from "@orderhook/admin";
import { type Database, users, webhooks } from "@orderhook/db";
import { eq } from "drizzle-orm";
import { credentialTag, type Session } from "./session";
import type { Viewer } from "./viewer";

/**
 * Checks a session against Postgres on every request: a user session stands while the webhook
 * that signed it in is active and still has the token it was signed in with; an operator session
 * while operator sign-in is on with the same password. One indexed lookup per page.
 */
export function createViewerLoader(deps: { db: Database; operatorPasswordTag: string | null }) {
  const { db, operatorPasswordTag } = deps;
  return async function loadViewer(session: Session): Promise<Viewer | null> {
    if (session.kind === "operator") {
      if (operatorPasswordTag === null || session.passwordTag !== operatorPasswordTag) return null;
      const user = session.actingUserId === null ? null : await getUserById(db, session.actingUserId);
      return { kind: "operator", user };
    }
    const [row] = await db
      .select({
        userId: webhooks.userId,
        active: webhooks.active,
        tokenHash: webhooks.tokenHash,
        email: users.email,
        name: users.name,
      })
      .from(webhooks)
      .innerJoin(users, eq(users.id, webhooks.userId))
      .where(eq(webhooks.id, session.webhookId))
      .limit(1);
    if (row === undefined || !row.active || row.userId !== session.userId) return null;
    if (credentialTag("token", row.tokenHash) !== session.tokenTag) return null;
    return {
      kind: "user",
      user: { id: row.userId, email: row.email, name: row.name },
      signInWebhookId: session.webhookId,
    };
  };
}
