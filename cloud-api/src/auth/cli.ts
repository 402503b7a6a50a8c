import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isProximaError, systemClock, UserRole } from "@proxima/shared";
import { openSql } from "../analytics/sql.js";
import { UserStore } from "./users.js";

export const USER_USAGE = `  proxima-cloud user add --email E --name N --role admin|manager|marketer|technician
                         [--venues store-042,…] [--password P | --password-stdin] [--database URL]`;

/** `proxima-cloud user add`: creates a user (the first admin, typically). */
export async function userCommand(args: string[], databaseUrl: string): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "add") {
    console.error(`usage:\n${USER_USAGE}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: "string" },
      name: { type: "string" },
      role: { type: "string", default: "admin" },
      venues: { type: "string" },
      password: { type: "string" },
      "password-stdin": { type: "boolean" },
      database: { type: "string" },
    },
  });
  const role = UserRole.safeParse(values.role);
  const password = values["password-stdin"] ? readFileSync(0, "utf8").trim() : values.password;
  if (!values.email || !role.success || !password) {
    console.error(
      `user add needs --email, a --role (admin, manager, marketer or technician) and a password\n${USER_USAGE}`,
    );
    return 2;
  }
  const sql = await openSql(values.database ?? databaseUrl);
  try {
    const users = new UserStore(sql);
    await users.migrate();
    const user = await users.add(
      {
        email: values.email,
        name: values.name ?? values.email.split("@")[0]!,
        role: role.data,
        password,
        venues: values.venues
          ?.split(",")
          .map((v) => v.trim())
          .filter(Boolean),
      },
      systemClock.now(),
    );
    console.log(JSON.stringify({ msg: "user added", ...user }));
    return 0;
  } catch (error) {
    if (isProximaError(error)) {
      console.error(`user add: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await sql.close();
  }
}
