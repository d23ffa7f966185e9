import type { UserOrder } from "@orderhook/admin";
import { formatTime, isoTime } from "./format";
import { Layout, type LayoutProps } from "./layout";
import { StatusBadge } from "./status-badge";

export interface OrdersPageProps extends Pick<LayoutProps, "viewer" | "csrfToken"> {
  orders: UserOrder[];
  nextBefore: string | null;
  /** The first (newest) page: new orders are added to it live. */
  first: boolean;
  pageSize: number;
}

/** One order as a table row; console.js builds the same row for orders that arrive live. */
export function OrderRow(props: { order: UserOrder }) {
  const { order } = props;
  return (
    <tr data-order-id={order.id}>
      <td data-label="Received">
        <a href={`/orders/${order.id}`}>
          <time datetime={isoTime(order.receivedAt)}>{formatTime(order.receivedAt)}</time>
        </a>
      </td>
      <td data-label="Ticker">{order.ticker}</td>
      <td data-label="Action">{order.action}</td>
      <td data-label="Quantity" class="number">
        {order.quantity ?? "—"}
      </td>
      <td data-label="Type">{order.orderType}</td>
      <td data-label="Status">
        <StatusBadge status={order.status} />
      </td>
      <td data-label="Reason" data-field="reason">
        {order.reason ?? ""}
      </td>
      <td data-label="Webhook">{order.webhookName ?? "—"}</td>
    </tr>
  );
}

export function OrdersPage(props: OrdersPageProps) {
  return (
    <Layout
      title="Orders"
      viewer={props.viewer}
      csrfToken={props.csrfToken}
      current="orders"
      live={props.first ? "orders" : undefined}
    >
      <h1>Orders</h1>
      <p>
        Newest first, as the worker wrote them
        {props.first ? "; new orders and status changes appear here live" : ""}. Quantities are exact, as
        sent.
      </p>
      <table class="orders" id="orders">
        <caption class="visually-hidden">Your orders, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Ticker</th>
            <th scope="col">Action</th>
            <th scope="col">Quantity</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Webhook</th>
          </tr>
        </thead>
        <tbody data-live-insert={props.first ? String(props.pageSize) : undefined}>
          {props.orders.map((order) => (
            <OrderRow order={order} />
          ))}
        </tbody>
      </table>
      {props.orders.length === 0 ? (
        <p id="no-orders">{props.first ? "No orders yet." : "No older orders."}</p>
      ) : null}
      <nav aria-label="Pages" class="pages">
        {props.first ? null : <a href="/orders">Newest orders</a>}
        {props.nextBefore ? <a href={`/orders?before=${props.nextBefore}`}>Older orders</a> : null}
      </nav>
    </Layout>
  );
}
