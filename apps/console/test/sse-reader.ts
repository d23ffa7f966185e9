export interface SseMessage {
  event: string;
  data: string;
}

/** Reads server-sent events from a response body as they arrive (test support). */
export class SseReader {
  readonly messages: SseMessage[] = [];
  private buffer = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly done: Promise<void>;

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
    this.done = this.pump();
  }

  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await this.reader
        .read()
        .catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      this.buffer += decoder.decode(value, { stream: true });
      let end = this.buffer.indexOf("\n\n");
      while (end !== -1) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const lines = block.split("\n");
        const event = lines
          .find((l) => l.startsWith("event:"))
          ?.slice(6)
          .trim();
        const data = lines
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trimStart())
          .join("\n");
        if (event !== undefined) this.messages.push({ event, data });
        end = this.buffer.indexOf("\n\n");
      }
    }
  }

  /** The data of every `event` message so far, parsed. */
  of<T>(event: string): T[] {
    return this.messages.filter((m) => m.event === event).map((m) => JSON.parse(m.data) as T);
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}
