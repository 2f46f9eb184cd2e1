export { startConvoyServer, MAX_PAYLOAD_BYTES, type ConvoyServerConfig, type RunningServer } from "./server";
export type { KeepAliveOptions } from "./keepAlive";
export { prepareDatabase, StartupError } from "./database";
export { createLogger } from "./logger";
export { DEFAULT_CALL_BUDGETS, type CallBudgetSettings } from "./budgets/settings";
export { OVER_BUDGET_CLOSE_CODE } from "./budgets/socketCalls";
