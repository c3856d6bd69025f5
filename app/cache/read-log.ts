import { formatTagHeader } from "./tags";

export type CacheStatus = "hit" | "miss" | "stale" | "bypass";

export interface ReadRecord {
  query: string;
  status: CacheStatus;
  tags: readonly string[];
  /** Time spent talking to Redis, ms. */
  cacheMs: number;
  /** Time spent loading from the database, ms (0 on a hit). */
  dbMs: number;
}

/** MISS if any read loaded from the database, else STALE, else BYPASS, else HIT. */
export function worstStatus(statuses: readonly CacheStatus[]): CacheStatus {
  for (const status of ["miss", "stale", "bypass"] as const) if (statuses.includes(status)) return status;
  return "hit";
}

/**
 * The cached reads one request made (one per loader in a nested page, several per single-fetch
 * data request), summed up into the response headers of docs/design.md#response-headers.
 */
export class ReadLog {
  readonly reads: ReadRecord[] = [];
  /**
   * Read this request through to the database: every read loads and is a BYPASS (an admin's
   * "reload bypassing both caches", app/http/load-context.server.ts). A promise while the asker's
   * role is checked; the engine awaits it only when set.
   */
  readThrough: boolean | Promise<boolean> = false;

  add(record: ReadRecord): void {
    this.reads.push(record);
  }

  status(): CacheStatus | undefined {
    return this.reads.length === 0 ? undefined : worstStatus(this.reads.map((r) => r.status));
  }

  headers(): Record<string, string> {
    const status = this.status();
    if (!status) return {};
    const sum = (pick: (r: ReadRecord) => number) => this.reads.reduce((total, r) => total + pick(r), 0);
    const timing = [
      `cache;dur=${sum((r) => r.cacheMs).toFixed(2)}`,
      `db;dur=${sum((r) => r.dbMs).toFixed(2)}`,
      ...this.reads.map((r, i) => `q${i};desc="${r.query} ${r.status}";dur=${(r.cacheMs + r.dbMs).toFixed(2)}`),
    ];
    return {
      "X-Cache": status.toUpperCase(),
      "X-Cache-Tags": formatTagHeader(this.reads.flatMap((r) => r.tags)),
      "Server-Timing": timing.join(", "),
    };
  }

  /** Sets the summary headers on `headers` (appending to a Server-Timing already there). */
  applyTo(headers: Headers): void {
    for (const [name, value] of Object.entries(this.headers())) {
      if (name === "Server-Timing" && headers.has(name)) headers.append(name, value);
      else headers.set(name, value);
    }
  }
}
