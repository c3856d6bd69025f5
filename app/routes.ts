import { flatRoutes } from "@remix-run/fs-routes";
import type { RouteConfig } from "@remix-run/route-config";
import remixConfig from "../remix.config.js";

// Flat routes: `studio.scenes.$sceneId.tsx` is /studio/scenes/:sceneId (see docs/architecture.md).
export default flatRoutes({ ignoredRouteFiles: remixConfig.ignoredRouteFiles }) satisfies RouteConfig;
