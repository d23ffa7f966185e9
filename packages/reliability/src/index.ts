export { MEASUREMENTS_FILE, recordMeasurement } from "./harness/measurements";
export { Scenario, type ScenarioOptions } from "./harness/scenario";
