import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";
import remixConfig from "./remix.config.js";

// The route-file options belong to app/routes.ts (v3_routeConfig); the rest goes to the plugin.
const { ignoredRouteFiles: _readByRoutesTs, ...pluginOptions } = remixConfig;

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  plugins: [remix(pluginOptions)],
  resolve: { alias: { "~": new URL("./app", import.meta.url).pathname } },
  server: { hmr: { port: 24678 + (Number(process.env.PORT ?? 3000) % 1000) } },
  build: { target: "es2022" },
});
