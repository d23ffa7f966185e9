import type { Ack } from "../load/load-spec";
import type { StressAnswer } from "./send-request";

/** What one kind of traffic got back, checked against the answers SPEC allows for it. */
export class ScenarioResult {
  readonly outcomes: Record<string, number> = {};
  readonly unexpected: Record<string, number> = {};
  /** New orders (202), for the accounting check. */
  readonly acks: Ack[] = [];
  /** Alerts answered with two different orderIds: duplicates the sender would see. */
  splitKeys = 0;
  sent = 0;

  constructor(
    readonly name: string,
    readonly description: string,
    private readonly allowed: readonly string[],
  ) {}

  record(answer: StressAnswer): void {
    this.sent++;
    this.outcomes[answer.key] = (this.outcomes[answer.key] ?? 0) + 1;
    if (!this.allowed.includes(answer.key))
      this.unexpected[answer.key] = (this.unexpected[answer.key] ?? 0) + 1;
    if (answer.status === 202 && answer.orderId)
      this.acks.push({ orderId: answer.orderId, ackAtMs: Date.now() });
  }

  count(key: string): number {
    return this.outcomes[key] ?? 0;
  }

  serverErrors(): number {
    return Object.entries(this.outcomes)
      .filter(([key]) => /^5\d\d/.test(key))
      .reduce((n, [, count]) => n + count, 0);
  }

  toJSON() {
    return {
      name: this.name,
      description: this.description,
      sent: this.sent,
      outcomes: this.outcomes,
      unexpected: this.unexpected,
      acked: this.acks.length,
      splitKeys: this.splitKeys,
    };
  }
}
