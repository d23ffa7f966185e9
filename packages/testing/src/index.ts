export { testDatabaseUrl, testRedisUrl, uniquePrefix } from "./context";
export { createFixture, type Fixture, type FixtureOptions } from "./fixtures";
export { deleteKeys } from "./global-setup";
export { type ScratchDatabase, scratchDatabase } from "./scratch-database";
export { canConnect, ensureServices } from "./services";
