import { describe, expect, it } from "vitest";
import { admitLua, luaTableLiteral } from "./admission-scripts";

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
  it("builds the options into the script when it can, and decodes ARGV[9] per call otherwise", () => {
    expect(admitLua(DEFAULT_OPTS)).toContain("local jobOpts = {attempts = 12,");
    expect(admitLua(DEFAULT_OPTS)).not.toContain("cjson.decode(ARGV[9])");
    expect(admitLua('{"a":null}')).toContain("local jobOpts = cjson.decode(ARGV[9])");
    expect(admitLua()).toContain("local jobOpts = cjson.decode(ARGV[9])");
  });
});
