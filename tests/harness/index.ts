export * from "./browser.js";
export * from "./cloud.js";
export * from "./mosquitto.js";
export * from "./paths.js";
export * from "./postgres.js";
export * from "./process.js";
