/**
 * The Remix options, in one place. The Remix Vite plugin does not read this file by itself:
 * vite.config.ts imports it and hands it to the plugin, and app/routes.ts takes the route-file
 * options from it, so each option is written exactly once. See docs/architecture.md.
 *
 * @type {import("@remix-run/dev").VitePluginConfig & { ignoredRouteFiles: string[] }}
 */
export default {
  appDirectory: "app",
  buildDirectory: "build",
  serverModuleFormat: "esm",
  // Route files: flat routes under app/routes (read by app/routes.ts); tests and helpers beside a
  // route never become routes.
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}", "**/*.css"],
  // Every v3 flag, so the app moves to React Router 7 without surprises.
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_singleFetch: true,
    v3_lazyRouteDiscovery: true,
    v3_routeConfig: true,
  },
};
