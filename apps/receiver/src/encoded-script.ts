import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Command, type Redis } from "ioredis";

/** `$<n>\r\n` for the byte lengths most arguments have, made once rather than per argument. */
const HEADS = Array.from({ length: 1024 }, (_, n) => `$${n}\r\n`);

/**
 * One RESP bulk string. `Buffer` is imported: Node 20's global is an accessor, a getter call on
 * every read (~150 instructions, ADR 5).
 */
function bulk(value: string): string {
  const bytes = Buffer.byteLength(value);
  return `${bytes < HEADS.length ? HEADS[bytes] : `$${bytes}\r\n`}${value}\r\n`;
}

/**
 * A run of arguments as RESP bulk strings in one flat string: a shard's constant BullMQ keys and
 * job options, encoded once; a request's own, encoded when it is added to its batch.
 */
export interface EncodedArguments {
  readonly resp: string;
  readonly count: number;
}

/** `\r\n$<n>\r\n`: the previous bulk string's end and the next one's head, as `HEADS`. */
const JOINTS = HEADS.map((head) => `\r\n${head}`);

/** What precedes a bulk string of `size` bytes: its head, after the previous string's end if it is not the first. */
function boundary(first: boolean, size: number): string {
  if (size < HEADS.length) return first ? HEADS[size]! : JOINTS[size]!;
  return first ? `$${size}\r\n` : `\r\n$${size}\r\n`;
}

// One array of pieces per argument count, reused: `join` writes them into one flat string, with
// no array and no concatenated strings per argument left on the heap (ADR 5).
const piecesByCount: string[][] = [];

export function encodeArguments(values: readonly string[]): EncodedArguments {
  const count = values.length;
  let pieces = piecesByCount[count];
  if (pieces === undefined) {
    pieces = Array.from({ length: 2 * count + 1 }, () => "\r\n");
    piecesByCount[count] = pieces;
  }
  for (let i = 0; i < count; i++) {
    const value = values[i]!;
    pieces[2 * i] = boundary(i === 0, Buffer.byteLength(value));
    pieces[2 * i + 1] = value;
  }
  return { resp: pieces.join(""), count };
}

/** One script's two command heads (without the key count), and the sockets it is known to be loaded on. */
interface ScriptWire {
  evalshaHead: string;
  evalHead: string;
  loaded: WeakSet<object>;
}

/** What a script's calls share: its wire form, the connection and the timeouts. */
interface ScriptContext {
  wire: ScriptWire;
  redis: Redis;
  timeouts: CommandTimeouts;
}

/**
 * A script call whose arguments are already encoded: ioredis queues it, writes it and parses its
 * reply. As ioredis's own `Script`, the first call written to a socket is an `EVAL` carrying the
 * script, so a call Redis runs only after the sender gave up on it (a timeout) still runs on a
 * Redis that had never seen the script; later calls on that socket are `EVALSHA`. A Redis that
 * lost its scripts without a reconnect (`NOSCRIPT`: `SCRIPT FLUSH`) gets the call again as `EVAL`,
 * from the command's own `reject`: its caller waits on the command's promise, with no async
 * wrapper (a promise and a turn of the microtask queue per call) around it.
 */
class ScriptCommand extends Command {
  socket: object | null = null;
  /** Rejected (`isResolved` says resolved): its timeout has nothing left to fail. */
  failed = false;

  constructor(
    private readonly script: ScriptContext,
    private readonly count: number,
    private readonly body: string,
    retry = true,
  ) {
    // As ioredis's own string commands: replies as UTF-8 strings, not Buffers.
    super("evalsha", [], { replyEncoding: "utf8" });
    const reject = this.reject;
    this.reject = (error) => {
      this.failed = true;
      if (!retry || !error.message.startsWith("NOSCRIPT")) {
        reject(error);
        return;
      }
      if (this.socket !== null) script.wire.loaded.delete(this.socket);
      const again = new ScriptCommand(script, count, body, false);
      script.redis.sendCommand(again);
      again.promise.then(this.resolve, reject);
    };
  }

  override toWritable(socket: object): string {
    const { wire } = this.script;
    this.socket = socket;
    if (wire.loaded.has(socket)) return `*${this.count}\r\n${wire.evalshaHead}${this.body}`;
    wire.loaded.add(socket);
    this.name = "eval";
    return `*${this.count}\r\n${wire.evalHead}${this.body}`;
  }

  /** ioredis's `commandTimeout`, kept by the script's shared timer (`commandTimeouts`). */
  override setTimeout(ms: number): void {
    this.script.timeouts.add(this, ms);
  }
}

interface CommandTimeouts {
  add(command: ScriptCommand, ms: number): void;
}

/**
 * ioredis's `commandTimeout` for a script's calls, one timer for all of them: ioredis gives each
 * command a Node timer of its own, and on the reply clears it and deletes the command's property
 * for it (~5,000 instructions per call, ADR 5). One client has one timeout and its connection
 * answers in order, so deadlines come in the order calls are sent: a queue whose answered head is
 * dropped as calls are sent, and one timer at the head's deadline that fails what is past it
 * ("Command timed out", as ioredis) and is set again for the next head.
 */
function commandTimeouts(): CommandTimeouts {
  const pending: { command: ScriptCommand; deadline: number }[] = [];
  let timer: NodeJS.Timeout | null = null;
  const answered = (command: ScriptCommand) => command.isResolved || command.failed;

  function arm(): void {
    if (timer !== null || pending.length === 0) return;
    // Unreferenced, as an idle client's socket is what keeps the process up, not its timeouts.
    timer = setTimeout(expire, Math.max(0, pending[0]!.deadline - performance.now())).unref();
  }

  function expire(): void {
    timer = null;
    const now = performance.now();
    while (pending.length > 0) {
      const { command, deadline } = pending[0]!;
      if (!answered(command) && deadline > now) break;
      pending.shift();
      if (!answered(command)) command.reject(new Error("Command timed out"));
    }
    arm();
  }

  return {
    add(command, ms) {
      while (pending.length > 0 && answered(pending[0]!.command)) pending.shift();
      pending.push({ command, deadline: performance.now() + ms });
      arm();
    },
  };
}

export interface EncodedScript {
  /**
   * Runs the script: its keys (the first `numberOfKeys`), then its arguments, strings or runs
   * encoded once. Resolves with its reply.
   */
  run(numberOfKeys: number, args: ReadonlyArray<string | EncodedArguments>): Promise<unknown>;
}

/**
 * A Lua script sent as `EVALSHA` whose command is written straight into its wire form, for a
 * script that runs for every request (or batch of them) on a single-node connection. Through ioredis's
 * `defineCommand` every call copies its arguments three times (spread, unshift, `Array.flat`)
 * into a Command that then concatenates them, byte-counting each — the arguments that never
 * change included; measured 8.8 % of the receiver's busy time in a 20,000-alert burst (ADR 5).
 * Here the constant runs are encoded once and each call concatenates only the rest. Replies
 * and reconnection stay ioredis's: the command goes through `sendCommand`; its `commandTimeout`
 * is kept by a timer the script's calls share (`commandTimeouts`). The first
 * call on each socket is an `EVAL` (`ScriptCommand`); a Redis that lost its scripts without a
 * reconnect (`NOSCRIPT`: `SCRIPT FLUSH`) gets it again as `EVAL`.
 * Not for a cluster client, which finds a command's node from its arguments.
 */
export function createEncodedScript(redis: Redis, lua: string): EncodedScript {
  const sha = createHash("sha1").update(lua).digest("hex");
  const wire: ScriptWire = {
    evalshaHead: `${bulk("EVALSHA")}${bulk(sha)}`,
    evalHead: `${bulk("EVAL")}${bulk(lua)}`,
    loaded: new WeakSet(),
  };
  const keyCounts: string[] = [];
  const script: ScriptContext = { wire, redis, timeouts: commandTimeouts() };

  return {
    run(numberOfKeys, args) {
      let count = 3;
      // The key counts a script is called with are few (a batch's size decides it): each encoded once.
      let body = keyCounts[numberOfKeys];
      if (body === undefined) {
        body = bulk(String(numberOfKeys));
        keyCounts[numberOfKeys] = body;
      }
      for (const arg of args) {
        if (typeof arg === "string") {
          body += bulk(arg);
          count += 1;
        } else {
          body += arg.resp;
          count += arg.count;
        }
      }
      // Keeps only the encoding: the caller's arguments are garbage once encoded.
      const command = new ScriptCommand(script, count, body);
      redis.sendCommand(command);
      return command.promise;
    },
  };
}
