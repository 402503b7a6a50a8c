export { type DashboardBackend, openDashboardBackend } from "./analytics/mount.js";
export { Analytics } from "./analytics/service.js";
export { UserStore } from "./auth/users.js";
export { type EventRoutesOptions, mountEventRoutes } from "./ingest/mount.js";
export { type AppOptions, createApp } from "./server/app.js";
export { listen, type RunningServer } from "./server/listen.js";
export { issueToken } from "./sources/tokens.js";
export { SqlStore } from "./store/sql-store.js";
