/**
 * The one place the gateway reads `process.env`. Everything else comes from
 * `gateway.json` (parsed once, validated) or command-line flags.
 */
export interface GatewayEnv {
  /** overrides the config's `logLevel` (PROXIMA_LOG_LEVEL) */
  logLevel: string | undefined;
  /** default for `--config` (PROXIMA_GATEWAY_CONFIG) */
  configPath: string | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return {
    logLevel: env.PROXIMA_LOG_LEVEL || undefined,
    configPath: env.PROXIMA_GATEWAY_CONFIG || undefined,
  };
}
