import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layers of app/ (docs/architecture.md, docs/decisions/009-layers-and-composition-root.md):
 * a module imports only from its own layer or below. Server side, bottom to top:
 *   lib → config → db → cache → models → queries → monitoring → warming → auth → http
 *     → services.server.ts (the composition root) → routes, root, entry files.
 * Browser side: lib → client → components → routes; besides lib, browser code may import only the
 * two pure modules it shares with the server (the tag header format and the enhanced-form field).
 */
const SERVER_LAYERS = [
  "lib",
  "config",
  "db",
  "cache",
  "models",
  "queries",
  "monitoring",
  "warming",
  "auth",
  "http",
  "services",
  "routes",
] as const;
const BROWSER_LAYERS = ["client", "components"] as const;
const SHARED_WITH_BROWSER = new Set(["app/cache/tags", "app/http/enhanced-field"]);

type Layer = (typeof SERVER_LAYERS)[number] | (typeof BROWSER_LAYERS)[number] | "styles";

/** The layer of a file under app/, by its folder (top-level files by name). */
function layerOf(file: string): Layer {
  const [, first = "", second] = file.split("/");
  if (second !== undefined) {
    if ((SERVER_LAYERS as readonly string[]).includes(first)) return first as Layer;
    if ((BROWSER_LAYERS as readonly string[]).includes(first) || first === "styles") return first as Layer;
    throw new Error(`${file}: a folder with no layer (add it to tests/unit/layers.test.ts and docs/architecture.md)`);
  }
  const name = first.replace(/\.tsx?$/, "");
  if (name === "config.server") return "config";
  if (name === "services.server") return "services";
  if (/^(root|routes|entry\.server|entry\.client)$/.test(name)) return "routes";
  throw new Error(`${file}: a top-level file with no layer`);
}

/** Every module specifier a source file imports or re-exports, static, side-effect or dynamic. */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[\w*{}\s,$]*?\s*from\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) specifiers.push(match[1] as string);
  return specifiers;
}

/** The app file a specifier names (extension-less), or undefined for a package. */
function resolve(from: string, specifier: string): string | undefined {
  if (specifier.startsWith("~/")) return `app/${specifier.slice(2)}`;
  if (specifier.startsWith(".")) return path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return undefined;
}

function withExtension(target: string, known: ReadonlySet<string>): string {
  for (const candidate of [target, `${target}.ts`, `${target}.tsx`, `${target}/index.ts`]) {
    if (known.has(candidate)) return candidate;
  }
  return target;
}

/** `a → b` for every import that goes up a layer (or across the server/browser line). */
function layerViolations(sources: ReadonlyMap<string, string>): string[] {
  const known = new Set(sources.keys());
  const problems: string[] = [];
  for (const [file, source] of sources) {
    const from = layerOf(file);
    for (const specifier of importsOf(source)) {
      const resolved = resolve(file, specifier);
      if (!resolved) continue;
      const target = withExtension(resolved, known);
      if (!target.startsWith("app/")) {
        if (!target.endsWith(".js") || !file.startsWith("app/routes"))
          problems.push(`${file} → ${specifier} (outside app/)`);
        continue;
      }
      const to = layerOf(target);
      if (to === "styles") continue;
      const reason = violation(from, to, target);
      if (reason) problems.push(`${file} → ${target}: ${reason}`);
    }
  }
  return problems;
}

function violation(from: Layer, to: Layer, target: string): string | undefined {
  const browser = (layer: Layer) => (BROWSER_LAYERS as readonly string[]).includes(layer);
  if (from === "lib") return to === "lib" ? undefined : "lib imports nothing of the app";
  if (browser(from)) {
    if (browser(to) || SHARED_WITH_BROWSER.has(target.replace(/\.tsx?$/, ""))) {
      return from === "client" && to === "components" ? "client is below components" : undefined;
    }
    if (to === "lib" && !target.includes(".server")) return undefined;
    return "browser code imports only client, components, lib and the shared header/field modules";
  }
  if (browser(to)) return from === "routes" ? undefined : "server layers below the routes never import browser code";
  const rank = (layer: Layer) => (SERVER_LAYERS as readonly string[]).indexOf(layer);
  return rank(to) > rank(from) ? `${from} imports ${to}, a layer above it` : undefined;
}

function appSources(): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.tsx?$/.test(entry.name)) sources.set(file, readFileSync(file, "utf8"));
    }
  };
  walk("app");
  return sources;
}

describe("layers", () => {
  it("no module in app/ imports from a layer above its own", () => {
    const sources = appSources();
    expect(sources.size).toBeGreaterThan(100);
    expect(layerViolations(sources)).toEqual([]);
  });

  it("the cache engine imports nothing from warming, monitoring, http, routes or models", () => {
    const sources = appSources();
    const engine = [...sources].filter(([file]) => file.startsWith("app/cache/"));
    expect(engine.length).toBeGreaterThan(10);
    for (const [file, source] of engine) {
      for (const specifier of importsOf(source)) {
        expect(`${file} → ${specifier}`).not.toMatch(
          /→ (~\/|\.\.\/)(warming|monitoring|http|routes|models|queries|auth)\//,
        );
      }
    }
  });

  it("catches an upward import, whatever its form", () => {
    const cases: [string, string][] = [
      ["app/cache/x.server.ts", 'import { warmAfterPurge } from "~/warming/queue.server";'],
      ["app/cache/x.server.ts", 'import "../queries/index.server";'],
      ["app/lib/x.ts", 'export { config } from "~/config.server";'],
      ["app/models/x.server.ts", 'const m = await import("~/http/api-route.server");'],
      ["app/client/x.ts", 'import type { Actor } from "~/models/actor";'],
      ["app/warming/x.server.ts", 'import { processServices } from "../services.server";'],
    ];
    for (const [file, source] of cases) {
      expect(layerViolations(new Map([[file, source]])), `${file}: ${source}`).toHaveLength(1);
    }
    expect(layerViolations(new Map([["app/routes/x.tsx", 'import { tags } from "~/cache/tags";']]))).toEqual([]);
    expect(layerViolations(new Map([["app/client/x.ts", 'import { parseTagHeader } from "~/cache/tags";']]))).toEqual(
      [],
    );
  });
});
