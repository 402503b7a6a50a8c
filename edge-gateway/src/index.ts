export { type LoadedGatewayConfig, loadGatewayConfig, loadVenue } from "./config/load.js";
