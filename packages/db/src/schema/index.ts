export * from "./users";
export * from "./offers";
export * from "./trips";
export * from "./chat";
export * from "./tracking";
export * from "./events";
export * from "./sessions";
export * from "./push";
