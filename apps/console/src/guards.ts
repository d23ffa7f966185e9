import { OrderhookError } from "@orderhook/errors";
import type { Context, Next } from "hono";
import type { ConsoleAppEnv } from "./app-env";

/**
 * Pages of one user: a signed-in user's own, or those of the user an operator views. Signed-out
 * visitors go to the sign-in page; an operator who views nobody yet, to the user picker.
 */
export async function requireUser(c: Context<ConsoleAppEnv>, next: Next) {
  const viewer = c.get("viewer");
  if (viewer === null) {
    return c.redirect(c.get("sessionEnded") ? "/sign-in?notice=session-ended" : "/sign-in", 303);
  }
  if (viewer.user === null) return c.redirect("/operator/users", 303);
  c.set("user", viewer.user);
  await next();
}

/** Operator pages answer 404 to anyone else, as if they did not exist. */
export async function requireOperator(c: Context<ConsoleAppEnv>, next: Next) {
  if (c.get("viewer")?.kind !== "operator") {
    throw new OrderhookError("not_found", { detail: "There is no such page." });
  }
  await next();
}

/** A text field of a posted form ("" when absent or a file). */
export async function formField(c: Context<ConsoleAppEnv>, name: string): Promise<string> {
  const value = (await c.req.parseBody())[name];
  return typeof value === "string" ? value : "";
}
