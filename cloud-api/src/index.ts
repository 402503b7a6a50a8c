export { type AppOptions, createApp } from "./server/app.js";
export { listen, type RunningServer } from "./server/listen.js";
