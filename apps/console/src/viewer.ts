/** A user as the console names them. */
export interface ConsoleUser {
  id: string;
  email: string;
  name: string | null;
}

/**
 * Who is signed in: a user (with one of their webhook tokens), or an operator (with
 * CONSOLE_ADMIN_PASSWORD) looking at one user's pages, or at none yet.
 */
export type Viewer =
  | { kind: "user"; user: ConsoleUser; signInWebhookId: string }
  | { kind: "operator"; user: ConsoleUser | null };
