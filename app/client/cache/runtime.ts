import { ENTRY_TTL_MS, MAX_CACHE_BYTES, PURGE_BYPASS_MS } from "./config";
import { LocalCache } from "./local-cache";
import { PurgeLog } from "./purge-log";

declare global {
  interface Window {
    /** Remix's build manifest; its `version` changes with every build. */
    __remixManifest?: { version?: string };
  }
}

/** This tab's cache objects, made on first use in the browser (never on the server). */
let cache: LocalCache | null | undefined;
export const purgeLog = new PurgeLog(PURGE_BYPASS_MS);

/** The localStorage cache, or null on the server and where storage is unavailable. */
export function localCache(): LocalCache | null {
  if (cache !== undefined) return cache;
  cache = null;
  if (typeof window === "undefined") return cache;
  try {
    const storage = window.localStorage;
    cache = new LocalCache(storage, {
      version: window.__remixManifest?.version ?? "dev",
      maxBytes: MAX_CACHE_BYTES,
      ttlMs: ENTRY_TTL_MS,
    });
  } catch {
    // localStorage throws when disabled: run without a local cache.
  }
  return cache;
}
