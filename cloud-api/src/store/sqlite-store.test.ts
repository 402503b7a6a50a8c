import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeContract } from "./contract.js";
import { createStore } from "./create-store.js";

const dir = mkdtempSync(join(tmpdir(), "proxima-store-"));
const file = join(dir, "cloud.db");

storeContract({
  name: "SQLite file",
  open: () => createStore(file),
  // a second connection on the same file, as a second process would open it
  openSecond: () => createStore(`sqlite:${file}`),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
