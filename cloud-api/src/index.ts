export { type DashboardBackend, openDashboardBackend } from "./analytics/mount.js";
export { Analytics } from "./analytics/service.js";
export { UserStore } from "./auth/users.js";
export { type AppOptions, createApp } from "./server/app.js";
export { listen, type RunningServer } from "./server/listen.js";
