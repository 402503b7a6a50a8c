import { parseArgs } from "node:util";
import { isProximaError } from "@proxima/shared";
import { loadGatewayConfig } from "../config/load.js";
import { readEnv } from "../env.js";
import { CLIENT_ROLES, type ClientRole, CredentialStore } from "../kiosks/credentials.js";
import type { Command } from "./main.js";
import { dataFiles } from "./run.js";

const USAGE = `Usage:
  proxima-gateway kiosk add <id> --config gateway.json [--role kiosk|scanner|service] [--json]
  proxima-gateway kiosk list --config gateway.json [--json]
  proxima-gateway kiosk revoke <id> --config gateway.json

add prints the generated secret once: the gateway stores only its scrypt hash.
A running gateway picks changes up within seconds; a revoked client is disconnected.`;

/** `proxima-gateway kiosk add|list|revoke`: the broker credentials of kiosks (and satellite scanners). */
export const kioskCommand: Command = {
  summary: "manage kiosk credentials: add (prints the secret once), list, revoke",
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        role: { type: "string", default: "kiosk" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    const [action, id] = positionals;
    if (values.help || !action) {
      console.log(USAGE);
      return values.help ? 0 : 2;
    }
    const configPath = values.config ?? readEnv().configPath;
    if (!configPath) {
      console.error(`kiosk ${action} needs --config <gateway.json>\n\n${USAGE}`);
      return 2;
    }
    const loaded = await loadGatewayConfig(configPath);
    if (!loaded.ok) {
      console.error(`cannot read the config: ${loaded.error.message}`);
      return 1;
    }
    const { venue, paths } = loaded.value;
    try {
      const store = await CredentialStore.open(dataFiles(paths.dataDir).credentials);
      const now = Date.now();
      switch (action) {
        case "add": {
          if (!id) {
            console.error(`kiosk add needs an id\n\n${USAGE}`);
            return 2;
          }
          const role = values.role as ClientRole;
          if (!CLIENT_ROLES.includes(role)) {
            console.error(`--role must be one of ${CLIENT_ROLES.join(", ")}`);
            return 2;
          }
          const secret = await store.add(id, role, now);
          const zone = venue.zones.find((z) => z.kind === "kiosk" && z.kioskId === id);
          if (values.json) console.log(JSON.stringify({ id, role, secret, zone: zone?.id ?? null }));
          else {
            console.log(
              `${role} ${id} added. Its secret (shown only now, store it on the device):\n\n  ${secret}\n`,
            );
            console.log(`Connect with username "${id}", client id "${id}" and that secret as password.`);
            if (role === "kiosk" && !zone)
              console.log(
                `Note: no venue zone has kioskId "${id}", so it gets no zone prompts or occupancy.`,
              );
          }
          return 0;
        }
        case "list": {
          const clients = store.list();
          if (values.json) console.log(JSON.stringify(clients));
          else if (clients.length === 0)
            console.log("no kiosks yet: proxima-gateway kiosk add <id> --config …");
          else
            for (const c of clients)
              console.log(
                `${c.id.padEnd(24)} ${c.role.padEnd(8)} added ${new Date(c.createdAt).toISOString()}${
                  c.revokedAt !== undefined ? `  REVOKED ${new Date(c.revokedAt).toISOString()}` : ""
                }`,
              );
          return 0;
        }
        case "revoke": {
          if (!id) {
            console.error(`kiosk revoke needs an id\n\n${USAGE}`);
            return 2;
          }
          if (!(await store.revoke(id, now))) {
            console.error(`no active client "${id}" (see proxima-gateway kiosk list)`);
            return 1;
          }
          console.log(
            `${id} revoked: it can no longer connect; a running gateway disconnects it within seconds.`,
          );
          return 0;
        }
        default:
          console.error(`unknown action "${action}"\n\n${USAGE}`);
          return 2;
      }
    } catch (error) {
      console.error(isProximaError(error) ? error.message : `failed: ${(error as Error).message}`);
      return 1;
    }
  },
};
