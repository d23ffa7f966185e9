import { listFailedJobs, retryAllFailedJobs, retryFailedJob } from "@orderhook/admin";
import { OrderhookError } from "@orderhook/errors";
import type { Command } from "commander";
import type { CliContext } from "../cli-context";
import { formatTable } from "../output";
import { parseInteger } from "../parse-integer";

export function registerJobsCommand(program: Command, ctx: CliContext): void {
  const jobs = program.command("jobs").description("the order queue's failed jobs (retries exhausted)");

  jobs
    .command("failed")
    .description("list failed jobs, newest first")
    .option("--limit <n>", "how many", parseInteger, 100)
    .option("--json", "print JSON")
    .action(async (options: { limit: number }) => {
      const failed = await listFailedJobs(await ctx.queues(), Math.max(1, options.limit));
      ctx.print(failed, () => {
        const table = formatTable(
          failed.jobs,
          [
            ["JOB", (j) => j.id],
            ["FAILED", (j) => j.failedAt],
            ["ATTEMPTS", (j) => j.attemptsMade],
            ["TICKER", (j) => j.ticker],
            ["ACTION", (j) => j.action],
            ["REASON", (j) => j.failedReason],
          ],
          "no failed jobs",
        );
        return failed.total > failed.jobs.length
          ? `${table}\n(${failed.jobs.length} of ${failed.total} shown)`
          : table;
      });
    });

  jobs
    .command("retry")
    .description("move a failed job (or all of them) back to the queue")
    .argument("[id]", "job id (the order id)")
    .option("--all", "retry every failed job")
    .option("--json", "print JSON")
    .action(async (id: string | undefined, options: { all?: boolean }) => {
      if ((id === undefined) === (options.all !== true)) {
        throw new OrderhookError("invalid_argument", { detail: "give either a job id or --all" });
      }
      const queues = await ctx.queues();
      if (id !== undefined) {
        await retryFailedJob(queues, id);
        ctx.print({ retried: 1, ids: [id] }, () => `job ${id} is queued again`);
        return;
      }
      const retried = await retryAllFailedJobs(queues);
      ctx.print({ retried }, () => `${retried} failed job(s) queued again`);
    });
}
