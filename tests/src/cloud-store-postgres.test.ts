/**
 * The cloud Store contract on PostgreSQL: a throwaway database per run, and a second
 * store instance on the same database standing in for a second cloud-api process.
 */
import { storeContract } from "../../cloud-api/src/store/contract.js";
import { createStore } from "../../cloud-api/src/store/create-store.js";
import { createTempDatabase, type TempDatabase } from "../harness/index.js";

let database: TempDatabase | undefined;

storeContract({
  name: "PostgreSQL",
  open: async () => {
    database = await createTempDatabase("proxima_store");
    return createStore(database.url);
  },
  openSecond: () => createStore(database!.url),
  cleanup: async () => database?.drop(),
});
