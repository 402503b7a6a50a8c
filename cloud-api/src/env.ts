/** The only place cloud-api reads process.env. */
export interface CloudEnv {
  port: number | undefined;
  host: string | undefined;
  database: string | undefined;
  logLevel: string;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): CloudEnv {
  return {
    port: env.PROXIMA_CLOUD_PORT === undefined ? undefined : Number(env.PROXIMA_CLOUD_PORT),
    host: env.PROXIMA_CLOUD_HOST,
    database: env.PROXIMA_DATABASE_URL,
    logLevel: env.PROXIMA_LOG_LEVEL ?? "info",
  };
}
