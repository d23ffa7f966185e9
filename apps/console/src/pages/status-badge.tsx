import type { OrderStatus } from "@orderhook/db";

/** An order's status as a word first (for screen readers and without CSS), coloured by the stylesheet. */
export function StatusBadge(props: { status: OrderStatus | string }) {
  return (
    <span class={`status status-${props.status}`} data-field="status">
      {props.status}
    </span>
  );
}
