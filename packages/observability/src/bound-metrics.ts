import {
  type Aggregator,
  Counter,
  type CounterConfiguration,
  Histogram,
  type HistogramConfiguration,
  type MetricType,
} from "prom-client";

type Labels<T extends string> = Partial<Record<T, string>>;

/** What the registry reads besides the values (prom-client keeps these untyped on the metric). */
interface About {
  name: string;
  help: string;
  // prom-client's types declare a numeric enum; what it reads (and writes in `# TYPE`) is the word.
  type: MetricType;
  aggregator: Aggregator;
}

function about(
  configuration: { name: string; help: string; aggregator?: Aggregator },
  word: "histogram" | "counter",
): About {
  const { name, help, aggregator = "sum" } = configuration;
  const type = word as unknown as MetricType;
  return { name, help, type, aggregator };
}

/** One label set's observations of a `BoundHistogram`: a bound, not cumulative, count per bucket. */
export class HistogramSeries<T extends string = string> {
  sum = 0;
  count = 0;
  /** Per upper bound, then one past the last (+Inf only). */
  readonly counts: number[];

  constructor(
    readonly labels: Labels<T>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    // As prom-client: a value equal to a bound is in that bound's bucket.
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** The series of `labels` in `series`, made by `make` on first use (every label a known name). */
function seriesOf<S, T extends string>(
  series: Map<string, S>,
  labelNames: readonly T[],
  labels: Labels<T>,
  metric: string,
  make: () => S,
): S {
  const key = labelNames.map((name) => labels[name] ?? "").join("\u0000");
  let found = series.get(key);
  if (found === undefined) {
    for (const name of Object.keys(labels)) {
      if (!labelNames.includes(name as T)) throw new Error(`unknown label ${name} of ${metric}`);
    }
    found = make();
    series.set(key, found);
  }
  return found;
}

/**
 * prom-client's Histogram, observed through label sets bound once (`bind`). prom-client's own
 * `observe`, also through a child from `labels()`, validates and hashes the labels and allocates
 * closures on every call (~5,800 instructions per request for the receiver's ack histogram,
 * callgrind, ADR 5); a bound series is a bucket search and three additions. The registry reads
 * the same values, in the same order and shape, as prom-client's histogram gives it. Observe
 * only through `bind`: prom-client's `observe` and `labels` are not read back.
 */
export class BoundHistogram<T extends string = string> extends Histogram<T> {
  readonly #bounds: readonly number[];
  // Not a #field: prom-client's constructor calls reset() before this class's fields exist.
  private readonly series = new Map<string, HistogramSeries<T>>();
  readonly #labelNames: readonly T[];
  readonly #about: About;

  constructor(configuration: HistogramConfiguration<T> & { buckets: number[] }) {
    super(configuration);
    this.#about = about(configuration, "histogram");
    this.#bounds = [...configuration.buckets];
    this.#labelNames = configuration.labelNames ?? [];
    // As prom-client: a histogram without labels reports zeros before its first observation.
    if (this.#labelNames.length === 0) this.bind({});
  }

  /** The series of these label values (every label name given), made on first use. */
  bind(labels: Labels<T>): HistogramSeries<T> {
    return seriesOf(this.series, this.#labelNames, labels, this.#about.name, () => {
      return new HistogramSeries({ ...labels }, this.#bounds);
    });
  }

  override reset(): void {
    super.reset();
    for (const series of this.series?.values() ?? []) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** What the registry renders: per series the cumulative buckets, +Inf, sum and count. */
  async getForPromString() {
    const { name } = this.#about;
    const bucket = `${name}_bucket`;
    const values: HistogramValue<T>[] = [];
    for (const series of this.series.values()) {
      const shared = series.labels;
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += series.counts[i]!;
        const le = this.#bounds[i]!;
        values.push({
          labels: { le },
          sharedLabels: shared,
          value: cumulative,
          metricName: bucket,
          exemplar: null,
        });
      }
      values.push(
        {
          labels: { le: "+Inf" },
          sharedLabels: shared,
          value: series.count,
          metricName: bucket,
          exemplar: null,
        },
        {
          labels: {},
          sharedLabels: shared,
          value: series.sum,
          metricName: `${name}_sum`,
          exemplar: undefined,
        },
        {
          labels: {},
          sharedLabels: shared,
          value: series.count,
          metricName: `${name}_count`,
          exemplar: undefined,
        },
      );
    }
    return { ...this.#about, values };
  }

  /** The same with each value's labels whole (the cluster aggregator reads these). */
  override async get() {
    const data = await this.getForPromString();
    const values = data.values.map(({ labels, sharedLabels, ...rest }) => ({
      ...rest,
      labels: { ...labels, ...sharedLabels },
    }));
    // prom-client's types ask for a `collect` its own histogram does not return either.
    return { ...data, values } as unknown as Awaited<ReturnType<Histogram<T>["get"]>>;
  }
}

interface HistogramValue<T extends string> {
  labels: { le?: number | "+Inf" };
  sharedLabels: Labels<T>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/** One label set's count of a `BoundCounter`. */
export class CounterSeries<T extends string = string> {
  value = 0;

  constructor(readonly labels: Labels<T>) {}

  inc(): void {
    this.value++;
  }
}

/** prom-client's Counter, counted through label sets bound once (see `BoundHistogram`). */
export class BoundCounter<T extends string = string> extends Counter<T> {
  // Not a #field: prom-client's constructor calls reset() before this class's fields exist.
  private readonly series = new Map<string, CounterSeries<T>>();
  readonly #labelNames: readonly T[];
  readonly #about: About;

  constructor(configuration: CounterConfiguration<T>) {
    super(configuration);
    this.#about = about(configuration, "counter");
    this.#labelNames = configuration.labelNames ?? [];
    if (this.#labelNames.length === 0) this.bind({});
  }

  bind(labels: Labels<T>): CounterSeries<T> {
    return seriesOf(
      this.series,
      this.#labelNames,
      labels,
      this.#about.name,
      () => new CounterSeries({ ...labels }),
    );
  }

  override reset(): void {
    super.reset();
    for (const series of this.series?.values() ?? []) series.value = 0;
  }

  override async get() {
    const values = [...this.series.values()].map((series) => ({
      value: series.value,
      labels: { ...series.labels },
    }));
    // prom-client's types ask for a `collect` its own counter does not return either.
    return { ...this.#about, values } as unknown as Awaited<ReturnType<Counter<T>["get"]>>;
  }
}
