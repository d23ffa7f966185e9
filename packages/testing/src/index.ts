export { testDatabaseUrl, testRedisUrl, uniquePrefix } from "./context";
export { createFixture, type Fixture, type FixtureOptions } from "./fixtures";
export { deleteKeys } from "./global-setup";
export { canConnect, ensureServices } from "./services";
