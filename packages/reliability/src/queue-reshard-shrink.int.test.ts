import { describeReshard } from "./harness/describe-reshard";

// Changing QUEUE_SHARDS under traffic, as docs/redis-cluster.md says to: new receivers and
// workers run with QUEUE_SHARDS_PREVIOUS set while the old ones stop. Nothing acked is lost,
// and a retried key gets its first order, from whichever shard holds it.

describeReshard("shrinking QUEUE_SHARDS under traffic", 3, 2);
