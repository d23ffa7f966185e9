import { Job } from "bullmq";
import { Packr } from "msgpackr";
import { ORDER_JOB_NAME } from "./order-job";
import type { OrderQueue } from "./order-queue";

// BullMQ's own packer settings (redis-queue-backend.js), to read what it would have sent.
const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

const TEMPLATE_ID = "orderhook-job-add-template";

import { ADD_STANDARD_JOB, ADD_STANDARD_JOB_KEYS } from "./bullmq-lua";

/**
 * What `Queue.add(ORDER_JOB_NAME, job, { jobId })` would pass to `addStandardJob`, apart from
 * the job id, timestamp and data: BullMQ's keys and the job options it would store.
 */
export interface JobAddTemplate {
  /** BullMQ's nine keys for this queue: wait, paused, meta, id, completed, delayed, active, events, marker. */
  keys: readonly string[];
  /** The job hash key prefix (`{prefix}:orders:`). */
  keyPrefix: string;
  /** The job name (`order`). */
  name: string;
  /** The job options BullMQ would store, without the per-job `jobId`, as JSON. */
  optsJson: string;
}

interface Captured {
  command: string;
  args: unknown[];
}

/**
 * Runs BullMQ's own job-creation code once against a client that records instead of sending,
 * and keeps the result as a template: the queue's default job options normalised and encoded
 * by BullMQ and its key layout, after checking that its arguments are laid out as the
 * admission script packs them (prefix, id, name, timestamp, nothing else). Per request only
 * the job id, timestamp and data change, which is all `Queue.add` would change — minus its Job
 * object, tracing wrapper and second round trip.
 *
 * Synchronous: BullMQ builds the arguments and hands them to the client before its first
 * `await`, so the recording is complete when `addJob` returns its promise. A BullMQ that
 * stopped doing so records nothing and this throws, as it does for any other layout change:
 * the receiver then refuses to start.
 */
export function captureJobAddTemplate(queue: OrderQueue): JobAddTemplate {
  let captured: Captured | null = null;
  const recorder = {
    runCommand(command: string, args: unknown[]) {
      captured = { command, args };
      return Promise.resolve(TEMPLATE_ID);
    },
  };
  const job = new Job(queue, ORDER_JOB_NAME, {}, { ...queue.jobsOpts, jobId: TEMPLATE_ID }, TEMPLATE_ID);
  job.addJob(recorder as unknown as Parameters<typeof job.addJob>[0]).catch(() => {});
  const { command, args } = (captured as Captured | null) ?? { command: "none", args: [] };
  if (!command.startsWith(`${ADD_STANDARD_JOB}:`) || args.length !== ADD_STANDARD_JOB_KEYS + 3) {
    throw new Error(`BullMQ would add an order job with ${command}; expected ${ADD_STANDARD_JOB}`);
  }
  const keys = args.slice(0, ADD_STANDARD_JOB_KEYS) as string[];
  const packedArgs = packer.unpack(args[ADD_STANDARD_JOB_KEYS] as Buffer) as unknown[];
  const opts = packer.unpack(args[ADD_STANDARD_JOB_KEYS + 2] as Buffer) as Record<string, unknown>;
  const keyPrefix = packedArgs[0];
  const { jobId: _, ...jobOpts } = opts;
  if (
    typeof keyPrefix !== "string" ||
    packedArgs[1] !== TEMPLATE_ID ||
    packedArgs[2] !== ORDER_JOB_NAME ||
    typeof packedArgs[3] !== "number" ||
    packedArgs.slice(4).some((arg) => arg !== null && arg !== undefined) ||
    opts.jobId !== TEMPLATE_ID
  ) {
    throw new Error("BullMQ's addStandardJob arguments are not laid out as expected");
  }
  return {
    keys,
    keyPrefix,
    name: ORDER_JOB_NAME,
    optsJson: JSON.stringify(jobOpts),
  };
}
