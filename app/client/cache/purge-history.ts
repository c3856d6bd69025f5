import type { PurgeOrigin } from "./purge";

/** One purge this tab applied: its tags, when, how it arrived, and from which request. */
export interface PurgeSeen {
  tags: string[];
  at: number;
  origin: PurgeOrigin;
  /** The path of the response that carried X-Cache-Invalidate (none for other tabs' purges). */
  source?: string;
}

const KEPT = 50;
const seen: PurgeSeen[] = [];
const listeners = new Set<() => void>();

/** This tab's recent purges, newest first, for the debug panel. */
export const purgeHistory = {
  record(entry: PurgeSeen): void {
    seen.unshift(entry);
    seen.length = Math.min(seen.length, KEPT);
    for (const listener of listeners) listener();
  },
  list(): readonly PurgeSeen[] {
    return seen;
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
