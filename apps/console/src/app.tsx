import type { BroadcastResult } from "@orderhook/admin";
import type { Database } from "@orderhook/db";
import { type ErrorCode, isOrderhookError } from "@orderhook/errors";
import { createClientAddress, createKeyedRateLimiter, resolveRequestId } from "@orderhook/http";
import type { WebhookEvent } from "@orderhook/queue";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ConsoleAppEnv } from "./app-env";
import type { ConsoleEventSource } from "./console-events";
import type { DeliveryLog } from "./delivery-log";
import { mountEventStream } from "./event-stream";
import { formField } from "./guards";
import { createViewerLoader } from "./load-viewer";
import { mountOperator } from "./operator-routes";
import { mountOrders } from "./order-routes";
import { ErrorPage } from "./pages/error-page";
import { render } from "./render";
import type { TestAlertSender } from "./send-test-alert";
import { credentialTag, type Sessions } from "./session";
import { mountSignIn } from "./sign-in-routes";
import { staticAssets } from "./static-assets";
import { mountWebhooks } from "./webhook-routes";

export interface ConsoleRequestRecord {
  method: string;
  /** The route pattern (`/orders/:id`), never the concrete path. */
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
}

export interface ConsoleAppDeps {
  db: Database;
  sessions: Sessions;
  /** CONSOLE_ADMIN_PASSWORD; null: operator sign-in is off. */
  operatorPassword: string | null;
  /** Live events for open pages: order status changes now, deliveries when the log exists. */
  events: ConsoleEventSource;
  /** The deliveries feed and chart's data; `deliveryLogNotEnabled` until the log exists. */
  deliveryLog: DeliveryLog;
  sendTestAlert: TestAlertSender;
  broadcast: (event: WebhookEvent) => Promise<BroadcastResult>;
  /** PUBLIC_URL (else the receiver URL): what webhook URLs shown to users start with. */
  receiverPublicUrl: string;
  /** CONSOLE_RECEIVER_URL: where test alerts go. */
  receiverUrl: string;
  /** CONSOLE_PUBLIC_URL's origin: the only origin forms may be posted from; null: the request's own. */
  publicOrigin: string | null;
  /** TRUST_PROXY: proxies whose X-Forwarded-For entries name the client. */
  trustedProxyHops: number;
  /** Sign-in attempts per client address. */
  signInLimit: { perSecond: number; burst: number };
  /** Readiness: Postgres answers. */
  isReady: () => Promise<boolean>;
  /** Aborted on SIGTERM: event streams end and /readyz turns 503. */
  shutdown?: AbortSignal;
  onRequest?: (record: ConsoleRequestRecord) => void;
  onError?: (error: unknown, requestId: string) => void;
}

/** Error pages are read by people: titles in their words where the API's would puzzle. */
const PAGE_TITLES: Partial<Record<ErrorCode, string>> = {
  conflict: "Not possible",
  invalid_argument: "Bad request",
  invalid_token: "Sign in first",
  rate_limited: "Too many requests",
  unavailable: "Unavailable",
};

/** Forms never carry more than a test alert (64 KiB) and a token. */
const MAX_FORM_BYTES = 96 * 1024;

const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
};

/** The web console's HTTP app; no environment, no listening — main.ts does that. */
export function createConsoleApp(deps: ConsoleAppDeps): Hono<ConsoleAppEnv> {
  const app = new Hono<ConsoleAppEnv>();
  const { sessions, onRequest } = deps;
  const shutdown = deps.shutdown ?? new AbortController().signal;
  const loadViewer = createViewerLoader({
    db: deps.db,
    operatorPasswordTag:
      deps.operatorPassword === null ? null : credentialTag("password", deps.operatorPassword),
  });

  app.use(async function requestContext(c, next) {
    const start = performance.now();
    const requestId = resolveRequestId(c.req.raw.headers);
    c.set("requestId", requestId);
    c.set("viewer", null);
    c.set("session", null);
    c.set("csrfToken", "");
    c.set("sessionEnded", false);
    await next();
    c.header("x-request-id", requestId);
    onRequest?.({
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      durationMs: performance.now() - start,
      requestId,
    });
  });

  app.use(
    secureHeaders({
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      referrerPolicy: "no-referrer",
      xFrameOptions: "DENY",
      permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
    }),
  );

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    if (shutdown.aborted) return c.json({ status: "draining" }, 503);
    return (await deps.isReady().catch(() => false))
      ? c.json({ status: "ready" })
      : c.json({ status: "unavailable", detail: "Postgres does not answer." }, 503);
  });
  app.get("/static/:name", (c) => {
    const asset = Object.hasOwn(staticAssets, c.req.param("name"))
      ? staticAssets[c.req.param("name")]
      : undefined;
    if (asset === undefined) return c.notFound();
    const current = c.req.query("v") === asset.version;
    return c.body(asset.body, 200, {
      "content-type": asset.contentType,
      "cache-control": current ? "public, max-age=31536000, immutable" : "no-cache",
    });
  });

  // Pages hold one user's orders and webhooks: never stored by a browser or a proxy.
  app.use(async function noStore(c, next) {
    await next();
    if (!c.res.headers.has("cache-control")) c.header("cache-control", "no-store");
  });

  // Cross-site form posts are refused by origin (and Sec-Fetch-Site) before anything is read.
  app.use(
    csrf({
      origin: (origin, c) => origin === (deps.publicOrigin ?? new URL(c.req.url).origin),
    }),
  );
  const formLimit = bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: () => {
      throw new HTTPException(413, { message: "The form is too large." });
    },
  });
  app.use(async function limitForms(c, next) {
    return c.req.method === "POST" ? formLimit(c, next) : next();
  });

  app.use(async function session(c, next) {
    const current = await sessions.read(c);
    if (current !== null) {
      const viewer = await loadViewer(current);
      if (viewer === null) {
        sessions.clear(c);
        c.set("sessionEnded", true);
      } else {
        c.set("viewer", viewer);
        c.set("session", current);
        c.set("csrfToken", sessions.csrfToken(current));
      }
    } else if (c.req.header("cookie")?.includes(sessions.cookieName)) {
      // Expired, or signed with another secret: gone either way.
      sessions.clear(c);
      c.set("sessionEnded", true);
    }
    await next();
  });

  // Every form of a signed-in page carries the session's CSRF token too: a second lock besides
  // the origin check, for a request that gets past it (an old browser, a same-site subdomain).
  app.use(async function csrfToken(c, next) {
    const current = c.get("session");
    if (c.req.method === "POST" && current !== null && !c.req.path.startsWith("/sign-in")) {
      if (!sessions.checkCsrfToken(current, await formField(c, "_csrf"))) {
        throw new HTTPException(403, { message: "This form has expired or was not sent from the console." });
      }
    }
    await next();
  });

  app.get("/", (c) => {
    const viewer = c.get("viewer");
    if (viewer === null) return c.redirect("/sign-in", 303);
    return c.redirect(viewer.user === null ? "/operator/users" : "/webhooks", 303);
  });

  mountSignIn(app, {
    db: deps.db,
    sessions,
    operatorPassword: deps.operatorPassword,
    attempts: createKeyedRateLimiter({ ...deps.signInLimit, maxKeys: 100_000 }),
    clientAddress: createClientAddress(deps.trustedProxyHops),
  });
  mountWebhooks(app, {
    db: deps.db,
    sessions,
    broadcast: deps.broadcast,
    sendTestAlert: deps.sendTestAlert,
    receiverPublicUrl: deps.receiverPublicUrl,
    receiverUrl: deps.receiverUrl,
  });
  mountOrders(app, { db: deps.db, deliveryLog: deps.deliveryLog });
  mountOperator(app, { db: deps.db, sessions });
  mountEventStream(app, { events: deps.events, shutdown });

  const errorPage = (
    c: Context<ConsoleAppEnv>,
    status: ContentfulStatusCode,
    title: string,
    detail: string,
  ) =>
    render(
      c,
      <ErrorPage
        viewer={c.get("viewer")}
        csrfToken={c.get("csrfToken") || undefined}
        status={status}
        title={title}
        detail={detail}
        requestId={c.get("requestId")}
      />,
      status,
    );

  app.notFound((c) => errorPage(c, 404, "Not found", "There is no such page."));

  app.onError((error, c) => {
    const requestId = c.get("requestId") ?? resolveRequestId(c.req.raw.headers);
    c.header("x-request-id", requestId);
    if (isOrderhookError(error)) {
      if (error.retryAfter !== undefined) c.header("retry-after", String(error.retryAfter));
      const title = PAGE_TITLES[error.code] ?? error.title;
      return errorPage(c, error.status as ContentfulStatusCode, title, error.message);
    }
    if (error instanceof HTTPException) {
      if (error.status === 403) {
        return errorPage(
          c,
          403,
          "Form refused",
          error.message === "" || error.message === "Forbidden"
            ? "This form was not sent from the console's own pages (cross-site request refused)."
            : error.message,
        );
      }
      return errorPage(c, error.status as ContentfulStatusCode, "Request refused", error.message);
    }
    deps.onError?.(error, requestId);
    return errorPage(c, 500, "Something went wrong", "Something went wrong on our side; try again.");
  });

  return app;
}
