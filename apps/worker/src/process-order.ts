import { type OrderReason, type OrderReasonCode, orderReason } from "@orderhook/errors";
import { type OrderJob, orderJobSchema } from "@orderhook/queue";
import { UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import { findRefusal } from "./order-refusal";
import { orderRow, salvageRow } from "./order-row";
import type { OrderWriter, WriteOutcome } from "./order-writer";
import type { OwnerCache } from "./owner-cache";
import { isTransientError } from "./transient-error";
import type { WorkerMetrics } from "./worker-metrics";

export interface OrderProcessorDeps {
  writer: OrderWriter;
  owners: OwnerCache;
  logger: Logger;
  metrics?: WorkerMetrics;
  /** Attempts after which a job is failed even if its own options allow more. */
  maxAttempts: number;
}

/** What processing reads of a job: a batch consumer's ProcessableJob, or a BullMQ Job. */
export interface ProcessableJob {
  id?: string;
  data: unknown;
  timestamp: number;
  attemptsMade: number;
  opts: { attempts?: number };
  /** Set by BullMQ's stalled checker when the job stalled too often. */
  deferredFailure?: string | null;
}

type Outcome = "accepted" | "rejected" | "duplicate" | "retry" | "failed";

function firstIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue === undefined
    ? "does not match the job contract"
    : `${issue.path.map(String).join(".")} ${issue.message}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The BullMQ processor: one job in, one order row (or a retry) out. */
export function createOrderProcessor(deps: OrderProcessorDeps) {
  const { writer, owners, logger, metrics, maxAttempts } = deps;

  /** `code` labels the metrics; `reason` is the row's text (or the failed job's, when no row holds it). */
  function record(
    job: ProcessableJob,
    started: number,
    outcome: Outcome,
    code: OrderReasonCode | null,
    reason: string | null,
    error?: unknown,
  ) {
    const seconds = (performance.now() - started) / 1000;
    metrics?.jobDuration.observe({ outcome }, seconds);
    metrics?.jobs.inc({ outcome, code: code ?? "" });
    const line = {
      orderId: job.id,
      outcome,
      code: code ?? "",
      reason,
      attempt: job.attemptsMade + 1,
      durationMs: seconds * 1000,
    };
    if (outcome === "retry" || outcome === "failed") logger.warn({ ...line, err: error }, `order ${outcome}`);
    else logger.info(line, `order ${outcome}`);
  }

  async function write(data: OrderJob): Promise<WriteOutcome> {
    const refusal = await findRefusal(data, owners);
    if (refusal === null) return writer.write(orderRow(data, "accepted"));
    const row = orderRow(data, "rejected", refusal.reason);
    if (refusal.webhookGone) row.webhook_id = null;
    if (refusal.accountGone) row.account_id = null;
    return writer.write(row, refusal.reason.code);
  }

  return async function processOrder(job: ProcessableJob): Promise<void> {
    const started = performance.now();
    const parsed = orderJobSchema.safeParse(job.data);
    if (job.deferredFailure) {
      await markStalled(job, parsed.success ? parsed.data : null, started, job.deferredFailure);
      throw new UnrecoverableError(job.deferredFailure);
    }
    if (!parsed.success || parsed.data.orderId !== job.id) {
      const reason = orderReason(
        "invalid_job",
        parsed.success ? "orderId differs from the job id" : firstIssue(parsed.error),
      );
      const salvaged = salvageRow(job.id ?? "", job.data, reason, job.timestamp);
      const outcome = salvaged === null ? null : await writer.write(salvaged, reason.code);
      record(job, started, "rejected", reason.code, reason.text);
      throw new UnrecoverableError(outcome?.kind === "unwritable" ? outcome.reason : reason.text);
    }
    let outcome: WriteOutcome;
    try {
      outcome = await write(parsed.data);
    } catch (error) {
      await giveUpOrRetry(job, parsed.data, started, error);
      throw error;
    }
    if (outcome.kind === "unwritable") {
      record(job, started, "rejected", outcome.code, outcome.reason);
      throw new UnrecoverableError(outcome.reason);
    }
    if (outcome.status === "accepted") {
      record(job, started, outcome.kind === "existing" ? "duplicate" : "accepted", null, null);
      return;
    }
    const kind = outcome.kind === "existing" ? "duplicate" : "rejected";
    record(job, started, kind, outcome.code, outcome.reason);
    throw new UnrecoverableError(outcome.reason ?? outcome.status);
  };

  /** BullMQ's stalled checker gave up on the job (it crashed workers too often): the row says so. */
  async function markStalled(job: ProcessableJob, data: OrderJob | null, started: number, failure: string) {
    const reason = orderReason("stalled", failure);
    if (data !== null) {
      try {
        await writer.write(orderRow(data, "failed", reason), reason.code);
      } catch (writeError) {
        logger.warn({ orderId: job.id, err: writeError }, "could not mark the order failed");
      }
    }
    record(job, started, "failed", reason.code, reason.text);
  }

  /** On the last attempt the row is marked failed (best effort: Postgres may be the thing that is down). */
  async function giveUpOrRetry(
    job: ProcessableJob,
    data: OrderJob,
    started: number,
    error: unknown,
  ): Promise<void> {
    const attempt = job.attemptsMade + 1;
    const allowed = job.opts.attempts ?? 1;
    const reason: OrderReason = orderReason(
      isTransientError(error) ? "transient" : "internal",
      describe(error),
    );
    if (attempt < Math.min(allowed, maxAttempts)) {
      record(job, started, "retry", reason.code, reason.text, error);
      return;
    }
    try {
      await writer.write(orderRow(data, "failed", reason), reason.code);
    } catch (writeError) {
      logger.warn(
        { orderId: job.id, err: writeError },
        "could not mark the order failed; the failed job keeps the error",
      );
    }
    record(job, started, "failed", reason.code, reason.text, error);
    if (attempt < allowed) throw new UnrecoverableError(reason.text);
  }
}
