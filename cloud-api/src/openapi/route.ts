import { Hono } from "hono";
import { openApiDocument } from "./document.js";

/** `GET /openapi.json`: built once per app from the shared zod schemas. */
export function openApiRoutes(version?: string): Hono {
  const document = openApiDocument(version);
  const app = new Hono();
  app.get("/openapi.json", (c) => c.json(document));
  return app;
}
