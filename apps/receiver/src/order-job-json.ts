import type { Bracket, OrderAlert } from "@orderhook/alert";
import type { OrderJob } from "@orderhook/queue";

/**
 * The job's JSON, which the worker reads back with `JSON.parse`: the same value as
 * `JSON.stringify(job)`, written without serializing what needs no escaping. Node 20's
 * `JSON.stringify` checks every character of every key and string (~20 instructions each): for
 * the ~630-character job it was the receiver's largest single cost (callgrind, ADR 5).
 *
 * - `raw` is `rawJson`, the text it was parsed from, when `parseAlertBody` says it parses back to
 *   the same value (`AlertBody.json`); otherwise it is serialized.
 * - Ids are UUIDs, decimals canonical digits, the enums closed words, times and counts numbers:
 *   written as they are. Free text (the ticker, account, keys, comment) and the brackets go
 *   through `JSON.stringify`.
 */
export function orderJobJson(job: OrderJob, rawJson: string | null): string {
  return (
    `{"v":${job.v},"orderId":"${job.orderId}","userId":"${job.userId}","webhookId":"${job.webhookId}",` +
    `"accountId":"${job.accountId}","idempotencyKey":${text(job.idempotencyKey)},` +
    `"alert":${alertJson(job.alert)},"raw":${rawJson ?? JSON.stringify(job.raw)},"receivedAt":${number(job.receivedAt)}}`
  );
}

function alertJson(a: OrderAlert): string {
  return (
    `{"ticker":${JSON.stringify(a.ticker)},"action":"${a.action}","quantity":${word(a.quantity)},` +
    `"orderType":"${a.orderType}","limitPrice":${word(a.limitPrice)},"stopPrice":${word(a.stopPrice)},` +
    `"timeInForce":"${a.timeInForce}","takeProfit":${bracket(a.takeProfit)},"stopLoss":${bracket(a.stopLoss)},` +
    `"signalPrice":${word(a.signalPrice)},"sentiment":${word(a.sentiment)},"account":${text(a.account)},` +
    `"idempotencyKey":${text(a.idempotencyKey)},"alertTime":${number(a.alertTime)},` +
    `"maxLagSeconds":${number(a.maxLagSeconds)},"comment":${text(a.comment)}}`
  );
}

/** A value with nothing to escape (a canonical decimal, an enum's word). */
const word = (value: string | null) => (value === null ? "null" : `"${value}"`);
const text = (value: string | null) => (value === null ? "null" : JSON.stringify(value));
const bracket = (value: Bracket | null) => (value === null ? "null" : JSON.stringify(value));
// As JSON.stringify writes a number: a non-finite one is null.
const number = (value: number | null) => (value === null || !Number.isFinite(value) ? "null" : String(value));
