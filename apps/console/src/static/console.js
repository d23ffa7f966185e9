// orderhook console: the page script. Served from the console's own origin (the
// Content-Security-Policy allows no inline script). Every page works without it; it adds
// live updates and keeps the pasted webhook token in this tab's sessionStorage.
(() => {
  const STORE = "orderhook.tokens";
  const TOKEN = /^oh_[A-Za-z0-9_-]{43}$/;

  function tokens() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE) || "[]").filter((t) => TOKEN.test(t));
    } catch {
      return [];
    }
  }

  function keep(token) {
    if (!TOKEN.test(token)) return;
    // One per token prefix: a rotated webhook's new token replaces its old one.
    const rest = tokens().filter((t) => t.slice(0, 9) !== token.slice(0, 9));
    try {
      sessionStorage.setItem(STORE, JSON.stringify([token, ...rest].slice(0, 20)));
    } catch {
      // Storage may be off (private mode): the form then simply asks.
    }
  }

  function tokenIn(text) {
    const trimmed = text.trim();
    const at = trimmed.indexOf("/v1/webhooks/");
    const part = at === -1 ? trimmed : trimmed.slice(at + "/v1/webhooks/".length).split(/[/?#\s]/)[0];
    return part.replace(/^["'<]+|["'>]+$/g, "");
  }

  function pages() {
    const body = document.body;
    if (body.dataset.page === "signed-out") {
      try {
        sessionStorage.removeItem(STORE);
      } catch {}
    }

    const signIn = document.getElementById("sign-in-form");
    if (signIn) signIn.addEventListener("submit", () => keep(tokenIn(signIn.elements.token.value)));

    const rotated = document.querySelector("[data-new-token]");
    if (rotated) keep(rotated.getAttribute("data-new-token"));

    const test = document.getElementById("test-alert-form");
    if (test) {
      const input = test.elements.token;
      const prefix = test.dataset.tokenPrefix || "";
      const known = tokens().find((t) => prefix && t.startsWith(prefix));
      if (known && !input.value) {
        input.value = known;
        const filled = document.getElementById("token-filled");
        if (filled) filled.hidden = false;
      }
      test.addEventListener("submit", () => keep(tokenIn(input.value)));
    }
  }

  function formatTime(iso) {
    if (!iso) return "—";
    const d = new Date(iso).toISOString();
    return `${d.slice(0, 10)} ${d.slice(11, 19)} UTC`;
  }

  function cell(label, text, cls) {
    const td = document.createElement("td");
    td.dataset.label = label;
    if (cls) td.className = cls;
    if (text !== null) td.textContent = text;
    return td;
  }

  function badge(status) {
    const span = document.createElement("span");
    span.className = `status status-${status}`;
    span.dataset.field = "status";
    span.textContent = status;
    return span;
  }

  // The same row as OrderRow in pages/orders-page.tsx.
  function orderRow(order) {
    const tr = document.createElement("tr");
    tr.dataset.orderId = order.id;
    const received = cell("Received", null);
    const link = document.createElement("a");
    link.href = `/orders/${encodeURIComponent(order.id)}`;
    const time = document.createElement("time");
    time.dateTime = order.receivedAt;
    time.textContent = formatTime(order.receivedAt);
    link.append(time);
    received.append(link);
    const status = cell("Status", null);
    status.append(badge(order.status));
    const reason = cell("Reason", order.reason || "");
    reason.dataset.field = "reason";
    tr.append(
      received,
      cell("Ticker", order.ticker),
      cell("Action", order.action),
      cell("Quantity", order.quantity ?? "—", "number"),
      cell("Type", order.orderType),
      status,
      reason,
      cell("Webhook", order.webhookName ?? "—"),
    );
    return tr;
  }

  function update(container, order) {
    const old = container.querySelector('[data-field="status"]');
    if (old) old.replaceWith(badge(order.status));
    const reason = container.querySelector('[data-field="reason"]');
    if (reason) reason.textContent = order.reason || "";
    const processed = container.querySelector('[data-field="processedAt"]');
    if (processed) processed.textContent = formatTime(order.processedAt);
  }

  function onOrder(order) {
    const existing = document.querySelector(`[data-order-id="${CSS.escape(order.id)}"]`);
    if (existing) {
      update(existing, order);
      return;
    }
    const tbody = document.querySelector("tbody[data-live-insert]");
    if (!tbody) return;
    // An older order whose status changed (a replayed failure) is not news at the top of the list.
    const newest = tbody.querySelector("time[datetime]");
    if (newest && Date.parse(order.receivedAt) < Date.parse(newest.getAttribute("datetime")) - 60_000) return;
    prependArrived(tbody, orderRow(order), Number(tbody.dataset.liveInsert) || 50, "no-orders");
  }

  // The same row as DeliveryRow in pages/deliveries-page.tsx.
  function deliveryRow(d) {
    const tr = document.createElement("tr");
    tr.dataset.deliveryId = d.id;
    const refused = d.httpStatus >= 400;
    if (refused) tr.className = "refused";
    const received = cell("Received", null);
    const time = document.createElement("time");
    time.dateTime = d.receivedAt;
    time.textContent = formatTime(d.receivedAt);
    received.append(time);
    const outcome = cell("Outcome", null);
    const span = document.createElement("span");
    span.className = `outcome outcome-${refused ? "refused" : "ok"}`;
    span.textContent = `${d.httpStatus} ${d.outcome}`;
    outcome.append(span);
    const errors = (d.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
    const order = cell("Order", d.orderId ? null : "—");
    if (d.orderId) {
      order.dataset.orderId = d.orderId;
      const link = document.createElement("a");
      link.href = `/orders/${encodeURIComponent(d.orderId)}`;
      link.textContent = "order";
      const reason = document.createElement("span");
      reason.dataset.field = "reason";
      reason.textContent = d.orderReason || "";
      order.append(link, " ");
      if (d.orderStatus) order.append(badge(d.orderStatus), " ");
      order.append(reason);
    }
    const body = cell("Body", null);
    const code = document.createElement("code");
    code.textContent = d.bodyExcerpt;
    body.append(code);
    tr.append(
      received,
      cell("Webhook", d.webhookName ?? "—"),
      outcome,
      cell("Errors", errors),
      order,
      cell("Ack (ms)", String(d.ackMs), "number"),
      cell("Client", d.clientIp),
      body,
    );
    return tr;
  }

  function onDelivery(d) {
    const tbody = document.querySelector("tbody[data-live-deliveries]");
    if (!tbody || document.querySelector(`[data-delivery-id="${CSS.escape(d.id)}"]`)) return;
    const filter = new URLSearchParams(location.search).get("webhook");
    if (filter && filter !== d.webhookId) return;
    prependArrived(tbody, deliveryRow(d), Number(tbody.dataset.liveDeliveries) || 50, "no-deliveries");
  }

  /** A live row at the top of its table, kept to `max` rows, replacing the "none yet" line. */
  function prependArrived(tbody, row, max, emptyId) {
    row.classList.add("arrived");
    tbody.prepend(row);
    while (tbody.rows.length > max) tbody.deleteRow(-1);
    const empty = document.getElementById(emptyId);
    if (empty) empty.remove();
  }

  function live() {
    const kind = document.body.dataset.live;
    if (!kind || typeof EventSource === "undefined") return;
    const status = document.getElementById("live-status");
    const source = new EventSource("/events");
    let opened = false;
    source.addEventListener("ready", () => {
      if (opened) {
        // Back after a break: what changed meanwhile was not sent, so read the page again.
        location.reload();
        return;
      }
      opened = true;
      if (status) {
        status.hidden = false;
        status.dataset.state = "live";
        status.textContent = "Live updates on";
      }
    });
    source.addEventListener("order", (message) => {
      try {
        onOrder(JSON.parse(message.data));
      } catch {}
    });
    source.addEventListener("delivery", (message) => {
      try {
        onDelivery(JSON.parse(message.data));
      } catch {}
    });
    source.addEventListener("error", () => {
      if (status && opened) {
        status.dataset.state = "reconnecting";
        status.textContent = "Live updates interrupted; reconnecting…";
      }
    });
  }

  function start() {
    pages();
    live();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
