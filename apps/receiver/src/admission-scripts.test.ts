import { describe, expect, it } from "vitest";
import { admitLua, luaLongString, luaTableLiteral } from "./admission-scripts";

const DEFAULT_OPTS =
  '{"attempts":12,"removeOnComplete":{"age":3600,"count":10000},"backoff":{"type":"exponential","delay":1000,"jitter":0.5},"removeOnFail":{"age":1209600}}';

describe("luaTableLiteral", () => {
  it("writes the queue's job options as a Lua table constructor", () => {
    expect(luaTableLiteral(DEFAULT_OPTS)).toBe(
      "{attempts = 12, removeOnComplete = {age = 3600, count = 10000}, " +
        "backoff = {type = 'exponential', delay = 1000, jitter = 0.5}, removeOnFail = {age = 1209600}}",
    );
    expect(luaTableLiteral('{"lifo":false,"delay":0}')).toBe("{lifo = false, delay = 0}");
  });

  it("declines what a plain constructor cannot say safely: arrays, nulls, quotes, odd or reserved names", () => {
    for (const json of [
      '{"a":[1]}',
      '{"a":null}',
      '{"a":"it\'s"}',
      '{"a":"\\u00e9"}',
      '{"a b":1}',
      '{"repeat":{"every":1}}',
      "[1]",
      "3",
    ]) {
      expect(luaTableLiteral(json), json).toBeNull();
    }
  });
});

describe("admitLua", () => {
  it("builds the options into the script when it can, and decodes ARGV[2] per alert otherwise", () => {
    expect(admitLua(DEFAULT_OPTS)).toContain("{attempts = 12, removeOnComplete = {age = 3600,");
    expect(admitLua(DEFAULT_OPTS)).not.toContain("cjson.decode(ARGV[2])");
    expect(admitLua('{"a":null}')).toContain("local jobOpts = cjson.decode(ARGV[2])");
    expect(admitLua()).toContain("local jobOpts = cjson.decode(ARGV[2])");
  });

  it("hands BullMQ's add the options' JSON with the job's id with the table, and nothing without it", () => {
    const head = /\[(=*)\[(.*?)\]\1\] \.\. orderId \.\. '"}'/.exec(admitLua(DEFAULT_OPTS));
    expect(JSON.parse(`${head?.[2]}0190-c0de"}`)).toEqual({
      ...JSON.parse(DEFAULT_OPTS),
      jobId: "0190-c0de",
    });
    expect(admitLua("{}")).toContain(`[[{"jobId":"]] .. orderId`);
    expect(admitLua('{"a":null}')).toContain("local optsJson = nil\n");
    expect(admitLua()).toContain("local optsJson = nil\n");
  });

  it("gives BullMQ's add, with the options' JSON, a table of only the options it reads by name, one per call", () => {
    expect(admitLua(DEFAULT_OPTS)).toContain("local leanOpts = {attempts = 12}\n");
    expect(admitLua(DEFAULT_OPTS)).toContain(
      "local jobOpts = optsJson and leanOpts or {attempts = 12, removeOnComplete = {age = 3600, count = 10000},",
    );
    expect(admitLua('{"lifo":true,"backoff":{"delay":1}}')).toContain("local leanOpts = {lifo = true}\n");
    // The shared table gets no job id (only the JSON carries it); a table of its own does.
    expect(admitLua(DEFAULT_OPTS)).toContain("if not optsJson then jobOpts['jobId'] = orderId end");
    expect(admitLua()).toContain("local leanOpts = nil\n");
    expect(admitLua()).toMatch(/^ {2}jobOpts\['jobId'\] = orderId$/m);
  });
});

describe("luaLongString", () => {
  it("picks a level the text does not close, and keeps a leading newline", () => {
    expect(luaLongString('{"a":"b"}')).toBe('[[{"a":"b"}]]');
    expect(luaLongString("x]]y]=]")).toBe("[==[x]]y]=]]==]");
    expect(luaLongString("\nx")).toBe("[[\n\nx]]");
  });
});
