/** Analytics and auth write through the store's SQL port (same connection, same transactions). */
export { openSql, type Sql, valuesPlaceholders } from "../store/sql.js";
