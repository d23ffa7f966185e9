import type { UserWebhook } from "@orderhook/admin";
import type { DeliveryMinute, DeliveryPage } from "../delivery-log";
import { formatTime } from "./format";
import { Layout, type LayoutProps } from "./layout";
import { StatusBadge } from "./status-badge";

export interface DeliveriesPageProps extends Pick<LayoutProps, "viewer" | "csrfToken"> {
  webhooks: UserWebhook[];
  webhookId: string | null;
  /** Null: the deliveries log is not enabled. */
  page: DeliveryPage | null;
  lastHour: DeliveryMinute[] | null;
}

function NotEnabled() {
  return (
    <section class="notice" aria-labelledby="not-enabled" id="deliveries-not-enabled">
      <h2 id="not-enabled">Deliveries log not yet enabled</h2>
      <p>
        This page will list every request your webhooks receive, whatever became of it — accepted, refused
        with its exact error code and field messages, rate limited — with the body excerpt and a link to the
        order, live, and a chart of the last hour's outcomes and ack latency. Until then,{" "}
        <a href="/orders">Orders</a> shows what the worker wrote and a webhook's <em>Send a test alert</em>{" "}
        shows the receiver's answer.
      </p>
    </section>
  );
}

function LastHour(props: { minutes: DeliveryMinute[] }) {
  return (
    <table class="last-hour">
      <caption>Last hour, per minute</caption>
      <thead>
        <tr>
          <th scope="col">Minute</th>
          <th scope="col">Outcomes</th>
          <th scope="col">Ack p50 (ms)</th>
          <th scope="col">Ack p99 (ms)</th>
        </tr>
      </thead>
      <tbody>
        {props.minutes.map((minute) => (
          <tr>
            <td>{formatTime(minute.start)}</td>
            <td>
              {Object.entries(minute.outcomes)
                .map(([outcome, count]) => `${outcome} ${count}`)
                .join(", ")}
            </td>
            <td class="number">{minute.ackP50Ms ?? "—"}</td>
            <td class="number">{minute.ackP99Ms ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Feed(props: { page: DeliveryPage }) {
  return (
    <table class="deliveries" id="deliveries">
      <caption class="visually-hidden">Deliveries, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Received</th>
          <th scope="col">Outcome</th>
          <th scope="col">Errors</th>
          <th scope="col">Order</th>
          <th scope="col">Body</th>
        </tr>
      </thead>
      <tbody>
        {props.page.deliveries.map((delivery) => (
          <tr data-delivery-id={delivery.id}>
            <td data-label="Received">{formatTime(delivery.receivedAt)}</td>
            <td data-label="Outcome">
              {delivery.httpStatus} {delivery.outcome}
            </td>
            <td data-label="Errors">
              {delivery.errors.map((error) => `${error.field}: ${error.message}`).join("; ")}
            </td>
            <td data-label="Order">
              {delivery.orderId ? (
                <>
                  <a href={`/orders/${delivery.orderId}`}>order</a>{" "}
                  {delivery.orderStatus ? <StatusBadge status={delivery.orderStatus} /> : null}
                </>
              ) : (
                "—"
              )}
            </td>
            <td data-label="Body">
              <code>{delivery.bodyExcerpt}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The deliveries feed and the last-hour chart, from whatever `DeliveryLog` the console was given. */
export function DeliveriesPage(props: DeliveriesPageProps) {
  const selected = props.webhooks.find((webhook) => webhook.id === props.webhookId);
  return (
    <Layout title="Deliveries" viewer={props.viewer} csrfToken={props.csrfToken} current="deliveries">
      <h1>Deliveries{selected ? ` · ${selected.name}` : ""}</h1>
      {props.page === null && props.lastHour === null ? (
        <NotEnabled />
      ) : (
        <>
          {props.lastHour ? <LastHour minutes={props.lastHour} /> : null}
          {props.page ? <Feed page={props.page} /> : null}
        </>
      )}
    </Layout>
  );
}
