/** A stop flag and the sleeps it cuts short, shared by a consumer's loops. */
export interface StopSignal {
  readonly stopped: boolean;
  stop(): void;
  /** Resolves after `ms`, or at once when stopped or when `cancel` aborts (its timer then cleared). */
  sleep(ms: number, cancel?: AbortSignal): Promise<void>;
}

export function createStopSignal(): StopSignal {
  const controller = new AbortController();
  const { signal } = controller;
  return {
    get stopped() {
      return signal.aborted;
    },
    stop: () => controller.abort(),
    sleep(ms, cancel) {
      if (signal.aborted || cancel?.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          cancel?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener("abort", done);
        cancel?.addEventListener("abort", done);
      });
    },
  };
}
