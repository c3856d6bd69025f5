import { formatTagHeader } from "./tags";

export type CacheStatus = "hit" | "miss" | "stale" | "bypass";

/**
 * What a read's value was current under: the token of each of its tags (in the order of `tags`),
 * as its lookup saw them or its fill stored them, and until when it is fresh. A response built from
 * reads may be kept (app/http/response-cache.server.ts) only under exactly these tokens.
 */
export interface Validity {
  tokens: readonly string[];
  freshUntil: number;
}

export interface ReadRecord {
  query: string;
  status: CacheStatus;
  tags: readonly string[];
  /** A user-scoped read shows one user's data: a response holding one is never shared. */
  scope: "public" | "user";
  /** Known for a hit and for a miss that Redis stored; absent for stale, bypassed and refused reads. */
  validity?: Validity;
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
  /**
   * Name each read's own tags in Server-Timing too (`q0-tags;desc="post:1 user:2"`), for the debug
   * panel (app/http/load-context.server.ts sets it for a browser that has it open). The tags are
   * already public in X-Cache-Tags; this only says which read each one came from.
   */
  tagDetail = false;

  add(record: ReadRecord): void {
    this.reads.push(record);
  }

  /**
   * The tags, tokens and freshness under which this request's whole response may be kept, or
   * undefined when it may not: no reads, a user-scoped one, one without validity, or two reads that
   * saw different tokens for one tag (a purge came between them: the response mixes before and after).
   */
  validity(): { tags: string[]; tokens: string[]; freshUntil: number } | undefined {
    if (this.reads.length === 0) return undefined;
    const tokenOf = new Map<string, string>();
    let freshUntil = Number.POSITIVE_INFINITY;
    for (const read of this.reads) {
      if (read.scope !== "public" || !read.validity) return undefined;
      for (const [i, tag] of read.tags.entries()) {
        const token = read.validity.tokens[i];
        const seen = tokenOf.get(tag);
        if (token === undefined || (seen !== undefined && seen !== token)) return undefined;
        tokenOf.set(tag, token);
      }
      freshUntil = Math.min(freshUntil, read.validity.freshUntil);
    }
    const tags = [...tokenOf.keys()].sort();
    return { tags, tokens: tags.map((tag) => tokenOf.get(tag) as string), freshUntil };
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
      ...(this.tagDetail ? this.reads.map((r, i) => `q${i}-tags;desc="${r.tags.join(" ")}"`) : []),
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
