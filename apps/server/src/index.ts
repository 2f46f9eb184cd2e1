export { startConvoyServer, MAX_PAYLOAD_BYTES, type ConvoyServerConfig, type RunningServer } from "./server";
export { prepareDatabase, StartupError } from "./database";
export { createLogger } from "./logger";
