import type { UserOrderDetail } from "@orderhook/admin";
import type { Child } from "hono/jsx";
import { formatTime } from "./format";
import { Layout, type LayoutProps } from "./layout";
import { StatusBadge } from "./status-badge";

export interface OrderPageProps extends Pick<LayoutProps, "viewer" | "csrfToken"> {
  order: UserOrderDetail;
}

function Row(props: { label: string; field?: string; children: Child }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd data-field={props.field}>{props.children}</dd>
    </>
  );
}

function json(value: unknown): string {
  return value === null || value === undefined ? "—" : JSON.stringify(value);
}

export function OrderPage(props: OrderPageProps) {
  const { order } = props;
  return (
    <Layout
      title={`Order ${order.ticker}`}
      viewer={props.viewer}
      csrfToken={props.csrfToken}
      current="orders"
      live="order"
    >
      <h1>
        {order.action} {order.quantity ?? ""} {order.ticker}
      </h1>
      <dl class="order" data-order-id={order.id}>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={order.status} />
        </dd>
        <Row label="Reason" field="reason">
          {order.reason ?? ""}
        </Row>
        <Row label="Order id">
          <code>{order.id}</code>
        </Row>
        <Row label="Received">{formatTime(order.receivedAt)}</Row>
        <Row label="Processed" field="processedAt">
          {formatTime(order.processedAt)}
        </Row>
        <Row label="Quantity">{order.quantity ?? "—"}</Row>
        <Row label="Type">{order.orderType}</Row>
        <Row label="Limit price">{order.limitPrice ?? "—"}</Row>
        <Row label="Stop price">{order.stopPrice ?? "—"}</Row>
        <Row label="Time in force">{order.timeInForce}</Row>
        <Row label="Take profit">{json(order.takeProfit)}</Row>
        <Row label="Stop loss">{json(order.stopLoss)}</Row>
        <Row label="Signal price">{order.signalPrice ?? "—"}</Row>
        <Row label="Sentiment">{order.sentiment ?? "—"}</Row>
        <Row label="Alert time">{formatTime(order.alertTime)}</Row>
        <Row label="Comment">{order.comment ?? "—"}</Row>
        <Row label="Account">{order.accountName ?? "—"}</Row>
        <Row label="Webhook">{order.webhookName ?? "—"}</Row>
        <Row label="Idempotency key">{order.idempotencyKey ?? "— (deduplicated by body)"}</Row>
      </dl>
      <h2>Alert as received</h2>
      <pre class="body">{order.rawPayloadText}</pre>
      <p>
        <a href="/orders">All orders</a>
      </p>
    </Layout>
  );
}
