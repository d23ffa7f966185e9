import type { DrainPhaseResult, ReceiverPhaseResult, ScalePhaseResult } from "./scale-results";

/** Per-alert costs measured by `--scale` (CPU µs of one core, bytes). */
export interface UnitCosts {
  receiverUsPerAck: number;
  /** Redis CPU on the ack path (admission script + job add) and on the drain path (take + complete). */
  redisUsPerAck: number;
  redisUsPerOrder: number;
  workerUsPerOrder: number;
  postgresUsPerOrder: number | null;
  pgbouncerUsPerOrder: number | null;
  ordersPerCommit: number | null;
  redisBytesPerJob: number | null;
}

/** The utilisation a fleet is sized for: headroom for bursts, GC and a replica lost. */
export const TARGET_UTILISATION = 0.7;
/** SPEC: every keyed alert keeps its idempotency key 24 h, measured ≈ 250 bytes. */
export const IDEMPOTENCY_BYTES = 250;
/** Railway: at most 50 replicas per service across regions (`railway scale`). */
export const RAILWAY_MAX_REPLICAS = 50;

const find = <K extends ScalePhaseResult["kind"]>(phases: ScalePhaseResult[], kind: K, name: string) =>
  phases.find((p): p is Extract<ScalePhaseResult, { kind: K }> => p.kind === kind && p.name === name);

/** The single-process phases' costs, or null when either did not run. */
export function unitCosts(phases: ScalePhaseResult[]): UnitCosts | null {
  const receiver = find(phases, "receiver", "receiver-1") as ReceiverPhaseResult | undefined;
  const drain = find(phases, "drain", "drain-1") as DrainPhaseResult | undefined;
  if (!receiver || !drain) return null;
  const pooled = find(phases, "drain", "drain-1-pgbouncer") as DrainPhaseResult | undefined;
  const receiverUs = receiver.cpuUsPerAck.receiver;
  const workerUs = drain.cpuUsPerOrder.worker;
  if (receiverUs === undefined || workerUs === undefined) return null;
  return {
    receiverUsPerAck: receiverUs,
    redisUsPerAck: receiver.cpuUsPerAck.redis ?? 0,
    redisUsPerOrder: drain.cpuUsPerOrder.redis ?? 0,
    workerUsPerOrder: workerUs,
    postgresUsPerOrder: drain.cpuUsPerOrder.postgres ?? null,
    pgbouncerUsPerOrder: pooled?.cpuUsPerOrder.pgbouncer ?? null,
    ordersPerCommit: drain.ordersPerCommit,
    redisBytesPerJob: receiver.redisBytesPerJob,
  };
}

export interface CapacityRow {
  alertsPerSecond: number;
  receiverProcesses: number;
  workerProcesses: number;
  /** Redis masters (one core each), i.e. QUEUE_SHARDS at least this. */
  redisMasters: number;
  postgresCores: number | null;
  pgbouncerCores: number | null;
  /** Postgres commits/s at the measured batching (smaller batches at lower rates mean more). */
  commitsPerSecond: number | null;
  /** Idempotency keys of a day of keyed alerts (SPEC's 250 bytes each), GB. */
  idempotencyGBPerDay: number;
  /** Railway: receiver processes per replica at the 50-replica ceiling. */
  processesPerReplicaAtMaxReplicas: number;
}

const cores = (rate: number, us: number) => (rate * us) / 1e6 / TARGET_UTILISATION;

/** Extrapolated linearly from the measured per-alert costs, at TARGET_UTILISATION. */
export function capacityRows(costs: UnitCosts, rates = [1_000, 10_000, 100_000]): CapacityRow[] {
  return rates.map((rate) => {
    const receiverProcesses = Math.max(1, Math.ceil(cores(rate, costs.receiverUsPerAck)));
    return {
      alertsPerSecond: rate,
      receiverProcesses,
      workerProcesses: Math.max(1, Math.ceil(cores(rate, costs.workerUsPerOrder))),
      redisMasters: Math.max(1, Math.ceil(cores(rate, costs.redisUsPerAck + costs.redisUsPerOrder))),
      postgresCores: costs.postgresUsPerOrder === null ? null : round1(cores(rate, costs.postgresUsPerOrder)),
      pgbouncerCores:
        costs.pgbouncerUsPerOrder === null ? null : round1(cores(rate, costs.pgbouncerUsPerOrder)),
      commitsPerSecond: costs.ordersPerCommit ? Math.round(rate / costs.ordersPerCommit) : null,
      idempotencyGBPerDay: round1((rate * 86_400 * IDEMPOTENCY_BYTES) / 1e9),
      processesPerReplicaAtMaxReplicas: Math.ceil(receiverProcesses / RAILWAY_MAX_REPLICAS),
    };
  });
}

export interface UnitCapacity {
  unit: string;
  /** Alerts/s one unit (one process, one Redis core, one Postgres core) carries at 100 %. */
  alertsPerSecond: number;
  /** Whether adding units is a setting (processes, replicas, shards) or needs a bigger machine. */
  scalesOut: boolean;
}

/** Each unit's ceiling, lowest first: what saturates first with one of each. */
export function saturationOrder(costs: UnitCosts): UnitCapacity[] {
  const units: UnitCapacity[] = [
    { unit: "receiver process", alertsPerSecond: perCore(costs.receiverUsPerAck), scalesOut: true },
    { unit: "worker process", alertsPerSecond: perCore(costs.workerUsPerOrder), scalesOut: true },
    {
      unit: "Redis master (one core)",
      alertsPerSecond: perCore(costs.redisUsPerAck + costs.redisUsPerOrder),
      scalesOut: true,
    },
  ];
  if (costs.postgresUsPerOrder !== null) {
    units.push({
      unit: "Postgres core",
      alertsPerSecond: perCore(costs.postgresUsPerOrder),
      scalesOut: false,
    });
  }
  return units.sort((a, b) => a.alertsPerSecond - b.alertsPerSecond);
}

function perCore(us: number): number {
  return us > 0 ? Math.round(1e6 / us) : Number.POSITIVE_INFINITY;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
