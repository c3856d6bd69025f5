import { defineConfig } from "drizzle-kit";

// Used by `npx drizzle-kit generate` to write SQL migrations from app/db/schema.ts.
export default defineConfig({
  dialect: "postgresql",
  schema: "./app/db/schema.ts",
  out: "./app/db/migrations",
});
