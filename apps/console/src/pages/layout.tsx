import type { Child } from "hono/jsx";
import { staticAssets } from "../static-assets";
import type { Viewer } from "../viewer";

export type Section = "webhooks" | "orders" | "deliveries" | "users";

export interface LayoutProps {
  title: string;
  viewer: Viewer | null;
  csrfToken?: string;
  current?: Section;
  /** What the page's script keeps live over /events ("orders", "order"); none by default. */
  live?: string;
  /** Flags for the page's script (e.g. "signed-out" clears the tokens kept in this tab). */
  page?: string;
  children?: Child;
}

function NavLink(props: { href: string; section: Section; current?: Section; children: Child }) {
  return (
    <li>
      <a href={props.href} aria-current={props.current === props.section ? "page" : undefined}>
        {props.children}
      </a>
    </li>
  );
}

function WhoIsSignedIn(props: { viewer: Viewer; csrfToken: string }) {
  const { viewer } = props;
  return (
    <div class="who">
      {viewer.kind === "user" ? (
        <p>
          Signed in as <strong>{viewer.user.email}</strong>
        </p>
      ) : (
        <p>
          Operator
          {viewer.user ? (
            <>
              , viewing <strong>{viewer.user.email}</strong>
            </>
          ) : null}
          {" · "}
          <a href="/operator/users">switch user</a>
        </p>
      )}
      <form method="post" action="/sign-out">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <button type="submit" class="link">
          Sign out
        </button>
      </form>
    </div>
  );
}

/** Every page: semantic landmarks, readable without the stylesheet, one self-served script. */
export function Layout(props: LayoutProps) {
  const { viewer, current } = props;
  const css = staticAssets["console.css"]!;
  const js = staticAssets["console.js"]!;
  const signedInToUser = viewer !== null && viewer.user !== null;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · orderhook console`}</title>
        <link rel="stylesheet" href={css.href} />
        <script src={js.href} defer />
      </head>
      <body data-live={props.live} data-page={props.page}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <p class="brand">
            <a href="/">orderhook console</a>
          </p>
          {viewer !== null ? (
            <nav aria-label="Console">
              <ul>
                {signedInToUser ? (
                  <>
                    <NavLink href="/webhooks" section="webhooks" current={current}>
                      Webhooks
                    </NavLink>
                    <NavLink href="/orders" section="orders" current={current}>
                      Orders
                    </NavLink>
                    <NavLink href="/deliveries" section="deliveries" current={current}>
                      Deliveries
                    </NavLink>
                  </>
                ) : null}
                {viewer.kind === "operator" ? (
                  <NavLink href="/operator/users" section="users" current={current}>
                    Users
                  </NavLink>
                ) : null}
              </ul>
            </nav>
          ) : null}
          {viewer !== null && props.csrfToken !== undefined ? (
            <WhoIsSignedIn viewer={viewer} csrfToken={props.csrfToken} />
          ) : null}
        </header>
        <main id="main">
          {props.live ? (
            <p class="live" id="live-status" role="status" aria-live="polite" hidden>
              Live updates on
            </p>
          ) : null}
          {props.children}
        </main>
      </body>
    </html>
  );
}
