import type { NodeBindings } from "@orderhook/http";
import type { Session } from "./session";
import type { ConsoleUser, Viewer } from "./viewer";

/** Hono environment of the console. */
export interface ConsoleAppEnv {
  Bindings: NodeBindings;
  Variables: {
    requestId: string;
    /** Who is signed in, checked against Postgres on every request; null: nobody. */
    viewer: Viewer | null;
    /** The session behind `viewer`. */
    session: Session | null;
    /** The user whose pages are shown (set by the `requireUser` guard). */
    user: ConsoleUser;
    /** The per-session CSRF token that every form of a signed-in page carries ("" when signed out). */
    csrfToken: string;
    /** A session cookie came but no longer stands (expired, or its webhook rotated or revoked). */
    sessionEnded: boolean;
  };
}
