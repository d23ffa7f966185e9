import type { UserWebhook } from "@orderhook/admin";
import type { Delivery, DeliveryMinute, DeliveryPage } from "../delivery-log";
import { formatTime } from "./format";
import { Layout, type LayoutProps } from "./layout";
import { StatusBadge } from "./status-badge";

export interface DeliveriesPageProps extends Pick<LayoutProps, "viewer" | "csrfToken"> {
  webhooks: UserWebhook[];
  webhookId: string | null;
  /** Null: the deliveries log is not enabled. */
  page: DeliveryPage | null;
  lastHour: DeliveryMinute[] | null;
  /** The newest page (no cursor): new deliveries are added to it live. */
  first: boolean;
  pageSize: number;
}

function NotEnabled() {
  return (
    <section class="notice" aria-labelledby="not-enabled" id="deliveries-not-enabled">
      <h2 id="not-enabled">Deliveries log not enabled</h2>
      <p>
        This console has no deliveries log to read. <a href="/orders">Orders</a> shows what the worker wrote
        and a webhook's <em>Send a test alert</em> shows the receiver's answer.
      </p>
    </section>
  );
}

/** A minute's outcomes as words first ("accepted 12, invalid_order 1"), then as bars. */
function LastHour(props: { minutes: DeliveryMinute[] }) {
  const { minutes } = props;
  const most = Math.max(1, ...minutes.map((m) => Object.values(m.outcomes).reduce((a, b) => a + b, 0)));
  const slowest = Math.max(1, ...minutes.map((m) => m.ackP99Ms ?? 0));
  return (
    <section aria-labelledby="last-hour" class="last-hour">
      <h2 id="last-hour">Last hour</h2>
      {minutes.length === 0 ? (
        <p id="no-last-hour">No requests in the last hour.</p>
      ) : (
        <table class="last-hour">
          <caption class="visually-hidden">Requests and ack latency per minute, last hour</caption>
          <thead>
            <tr>
              <th scope="col">Minute</th>
              <th scope="col">Requests</th>
              <th scope="col">Outcomes</th>
              <th scope="col">Ack p50 / p99 (ms)</th>
            </tr>
          </thead>
          <tbody>
            {minutes.map((minute) => {
              const total = Object.values(minute.outcomes).reduce((a, b) => a + b, 0);
              const refused = total - (minute.outcomes.accepted ?? 0) - (minute.outcomes.replayed ?? 0);
              return (
                <tr>
                  <td data-label="Minute">{formatTime(minute.start)}</td>
                  <td data-label="Requests">
                    <meter min={0} max={most} value={total} title={`${refused} refused`}>
                      {total}
                    </meter>{" "}
                    {total}
                  </td>
                  <td data-label="Outcomes">
                    {Object.entries(minute.outcomes)
                      .map(([outcome, count]) => `${outcome} ${count}`)
                      .join(", ")}
                  </td>
                  <td data-label="Ack p50 / p99 (ms)" class="number">
                    <meter min={0} max={slowest} value={minute.ackP99Ms ?? 0}>
                      {minute.ackP99Ms ?? "—"}
                    </meter>{" "}
                    {minute.ackP50Ms ?? "—"} / {minute.ackP99Ms ?? "—"}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One delivery as a table row; console.js builds the same row for deliveries that arrive live. */
export function DeliveryRow(props: { delivery: Delivery }) {
  const { delivery } = props;
  const refused = delivery.httpStatus >= 400;
  return (
    <tr data-delivery-id={delivery.id} class={refused ? "refused" : undefined}>
      <td data-label="Received">
        <time datetime={delivery.receivedAt}>{formatTime(delivery.receivedAt)}</time>
      </td>
      <td data-label="Webhook">{delivery.webhookName ?? "—"}</td>
      <td data-label="Outcome">
        <span class={`outcome outcome-${refused ? "refused" : "ok"}`}>
          {delivery.httpStatus} {delivery.outcome}
        </span>
      </td>
      <td data-label="Errors">
        {delivery.errors.map((error) => `${error.field}: ${error.message}`).join("; ")}
      </td>
      <td data-label="Order" data-order-id={delivery.orderId ?? undefined}>
        {delivery.orderId ? (
          <>
            <a href={`/orders/${delivery.orderId}`}>order</a>{" "}
            {delivery.orderStatus ? <StatusBadge status={delivery.orderStatus} /> : null}{" "}
            <span data-field="reason">{delivery.orderReason ?? ""}</span>
          </>
        ) : (
          "—"
        )}
      </td>
      <td data-label="Ack (ms)" class="number">
        {delivery.ackMs}
      </td>
      <td data-label="Client">{delivery.clientIp}</td>
      <td data-label="Body">
        <code>{delivery.bodyExcerpt}</code>
      </td>
    </tr>
  );
}

function Feed(props: { page: DeliveryPage; first: boolean; pageSize: number; webhookId: string | null }) {
  const { page } = props;
  const filter = props.webhookId ? `webhook=${encodeURIComponent(props.webhookId)}&` : "";
  return (
    <section aria-labelledby="feed">
      <h2 id="feed">Requests</h2>
      <table class="deliveries" id="deliveries">
        <caption class="visually-hidden">Deliveries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Webhook</th>
            <th scope="col">Outcome</th>
            <th scope="col">Errors</th>
            <th scope="col">Order</th>
            <th scope="col">Ack (ms)</th>
            <th scope="col">Client</th>
            <th scope="col">Body</th>
          </tr>
        </thead>
        <tbody data-live-deliveries={props.first ? String(props.pageSize) : undefined}>
          {page.deliveries.map((delivery) => (
            <DeliveryRow delivery={delivery} />
          ))}
        </tbody>
      </table>
      {page.deliveries.length === 0 ? (
        <p id="no-deliveries">{props.first ? "No requests yet." : "No older requests."}</p>
      ) : null}
      <nav aria-label="Pages" class="pages">
        {props.first ? null : <a href={`/deliveries${filter ? `?${filter.slice(0, -1)}` : ""}`}>Newest</a>}
        {page.nextCursor ? (
          <>
            {" "}
            <a href={`/deliveries?${filter}cursor=${encodeURIComponent(page.nextCursor)}`} rel="next">
              Older requests
            </a>
          </>
        ) : null}
      </nav>
    </section>
  );
}

function WebhookFilter(props: { webhooks: UserWebhook[]; webhookId: string | null }) {
  if (props.webhooks.length < 2) return null;
  return (
    <nav aria-label="Webhooks" class="filter">
      <ul>
        <li>
          <a href="/deliveries" aria-current={props.webhookId === null ? "page" : undefined}>
            All webhooks
          </a>
        </li>
        {props.webhooks.map((webhook) => (
          <li>
            <a
              href={`/deliveries?webhook=${webhook.id}`}
              aria-current={props.webhookId === webhook.id ? "page" : undefined}
            >
              {webhook.name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The deliveries feed and the last-hour chart, from whatever `DeliveryLog` the console was given. */
export function DeliveriesPage(props: DeliveriesPageProps) {
  const selected = props.webhooks.find((webhook) => webhook.id === props.webhookId);
  const enabled = !(props.page === null && props.lastHour === null);
  return (
    <Layout
      title="Deliveries"
      viewer={props.viewer}
      csrfToken={props.csrfToken}
      current="deliveries"
      live={enabled && props.first ? "deliveries" : undefined}
    >
      <h1>Deliveries{selected ? ` · ${selected.name}` : ""}</h1>
      {enabled ? (
        <>
          <p>
            Every request to your webhooks and what became of it: the receiver's answer, the exact error code
            and field messages of a refusal, and the order's status now
            {props.first ? "; new requests appear here live" : ""}. Tokens and signatures are never kept.
          </p>
          <WebhookFilter webhooks={props.webhooks} webhookId={props.webhookId} />
          {props.lastHour ? <LastHour minutes={props.lastHour} /> : null}
          {props.page ? (
            <Feed
              page={props.page}
              first={props.first}
              pageSize={props.pageSize}
              webhookId={props.webhookId}
            />
          ) : null}
        </>
      ) : (
        <NotEnabled />
      )}
    </Layout>
  );
}
