export { type Accounting, accountFor, loadOrderRows, waitForRows } from "./harness/accounting";
export { type AppName, AppProcess, type AppProcessOptions, type Exit } from "./harness/app-process";
export { type HttpAnswer, type HttpRequest, orderIdOf, problemCode, sendHttp } from "./harness/http-client";
export { MEASUREMENTS_FILE, recordMeasurement } from "./harness/measurements";
export { Scenario, type ScenarioOptions } from "./harness/scenario";
export { type SentAlert, SteadyTraffic, type SteadyTrafficOptions } from "./harness/steady-traffic";
