import { getUserById, isUuid, listUsers } from "@orderhook/admin";
import type { Database } from "@orderhook/db";
import { OrderhookError } from "@orderhook/errors";
import type { Hono } from "hono";
import type { ConsoleAppEnv } from "./app-env";
import { formField, requireOperator } from "./guards";
import { UsersPage } from "./pages/users-page";
import { render } from "./render";
import type { Sessions } from "./session";

const USERS_SHOWN = 200;

/** The operator's user picker, and switching the user whose pages the operator sees. */
export function mountOperator(app: Hono<ConsoleAppEnv>, deps: { db: Database; sessions: Sessions }): void {
  const { db, sessions } = deps;
  app.use("/operator/*", requireOperator);

  app.get("/operator/users", async (c) => {
    const search = (c.req.query("q") ?? "").slice(0, 200);
    const users = await listUsers(db, { search, limit: USERS_SHOWN });
    return render(
      c,
      <UsersPage
        viewer={c.get("viewer")}
        csrfToken={c.get("csrfToken")}
        users={users}
        search={search}
        limit={USERS_SHOWN}
      />,
    );
  });

  app.post("/operator/view-as", async (c) => {
    const userId = await formField(c, "userId");
    const user = isUuid(userId) ? await getUserById(db, userId) : null;
    if (user === null) throw new OrderhookError("not_found", { detail: "There is no user with this id." });
    const session = c.get("session");
    if (session?.kind !== "operator")
      throw new OrderhookError("not_found", { detail: "There is no such page." });
    await sessions.update(c, { ...session, actingUserId: user.id });
    return c.redirect("/webhooks", 303);
  });
}
