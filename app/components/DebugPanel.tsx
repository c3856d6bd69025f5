import { useLocation, useNavigate } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { normalizeUrl } from "~/client/cache/data-url";
import { type PurgeSeen, purgeHistory } from "~/client/cache/purge-history";
import { responseMetaOf } from "~/client/cache/response-meta";
import { localCache } from "~/client/cache/runtime";
import { dropAllPrefetched, type PrefetchSeen, prefetchHistory } from "~/client/prefetch/prefetch-store";

/** The cookie that asks the server to name each read's tags (app/http/load-context.server.ts). */
const DEBUG_COOKIE = "quill_debug=1";
/** Set across the bypassing reload, so the panel opens again on the page it reloaded. */
const REOPEN_KEY = "quill:debug-panel-reopen";

/**
 * One cached read of the page, as its response's Server-Timing told it (`q0;desc="query status"`,
 * and `q0-tags;desc="tag tag"` when the panel's cookie asked for each read's tags).
 */
interface ReadSeen {
  query: string;
  status: string;
  ms: number;
  /** Null when the response did not name them (sent before the panel's cookie was set). */
  tags: string[] | null;
}

interface PageReads {
  /** The document or the single-fetch data response the reads came from. */
  source: string;
  /** MISS if any read missed, else STALE, else BYPASS, else HIT: what X-Cache said. */
  xCache: string;
  reads: ReadSeen[];
  cacheMs: number;
  dbMs: number;
  tags: string[];
}

const ORDER = ["miss", "stale", "bypass"];

/** The reads of the latest response that carried any (the document, or a later `.data` request). */
export function latestPageReads(): PageReads | null {
  const entries = [
    ...performance.getEntriesByType("navigation"),
    ...performance.getEntriesByType("resource").filter((e) => /\.data(\?|$)/.test(e.name)),
  ] as PerformanceResourceTiming[];
  const withReads = entries
    .filter((e) => (e.serverTiming ?? []).some((t) => /^q\d+$/.test(t.name)))
    .sort((a, b) => a.startTime - b.startTime);
  const entry = withReads.at(-1);
  if (!entry) return null;
  const timing = entry.serverTiming ?? [];
  const tagsOf = new Map(
    timing.filter((t) => /^q\d+-tags$/.test(t.name)).map((t) => [t.name.slice(0, -5), t.description]),
  );
  const reads = timing
    .filter((t) => /^q\d+$/.test(t.name))
    .map((t) => {
      // "query status"; a batch's query has a space of its own ("community.post ×20 hit").
      const cut = t.description.lastIndexOf(" ");
      const tags = tagsOf.get(t.name);
      return {
        query: t.description.slice(0, cut),
        status: t.description.slice(cut + 1),
        ms: t.duration,
        tags: tags === undefined ? null : tags.split(" ").filter(Boolean),
      };
    });
  const statuses = reads.map((r) => r.status);
  const worst = ORDER.find((s) => statuses.includes(s)) ?? "hit";
  return {
    source: new URL(entry.name, location.href).pathname,
    xCache: worst.toUpperCase(),
    reads,
    cacheMs: timing.find((t) => t.name === "cache")?.duration ?? 0,
    dbMs: timing.find((t) => t.name === "db")?.duration ?? 0,
    // A document repeats its X-Cache-Tags in Server-Timing; a data response's were kept by the fetch wrapper.
    tags:
      entry.entryType === "navigation"
        ? (timing.find((t) => t.name === "x-cache-tags")?.description ?? "").split(" ").filter(Boolean)
        : (responseMetaOf(normalizeUrl(new URL(entry.name)))?.tags ?? []),
  };
}

/** The browser cache's entries (localStorage): key, tags, age. */
function browserEntries() {
  const cache = localCache();
  if (!cache) return [];
  return cache.keys().map((key) => {
    const first = (localStorage.getItem(key) ?? "").split("\n", 1)[0] ?? "";
    let meta: { t?: string[]; s?: number } = {};
    try {
      meta = JSON.parse(first) as typeof meta;
    } catch {
      // a value from another build: shown without tags
    }
    return { key, tags: meta.t ?? [], storedAt: meta.s ?? 0 };
  });
}

/**
 * The cache debug panel (Ctrl+Shift+D): this page's reads from its response headers, the browser
 * cache's entries and this tab's recent purges. A labelled modal dialog; Escape closes it.
 */
export function DebugPanel({ onClose, isAdmin }: { onClose: () => void; isAdmin: boolean }) {
  const location = useLocation();
  const dialog = useRef<HTMLDivElement>(null);
  const [page, setPage] = useState<PageReads | null>(null);
  const [entries, setEntries] = useState(browserEntries);
  const [purges, setPurges] = useState<readonly PurgeSeen[]>(() => [...purgeHistory.list()]);
  const [prefetches, setPrefetches] = useState<readonly PrefetchSeen[]>(() =>
    prefetchHistory.list().map((p) => ({ ...p })),
  );
  const [purgeAnswer, setPurgeAnswer] = useState<string | null>(null);

  // Through the API (and so through invalidate()): the fetch wrapper sees its X-Cache-Invalidate.
  const purgePageTags = async (tags: string[]) => {
    const response = await fetch("/studio/api/cache/purge", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tags }),
    });
    setPurgeAnswer(response.ok ? `purged ${tags.join(" ")}` : `purge refused (${response.status})`);
  };

  const refresh = useCallback(() => {
    setPage(latestPageReads());
    setEntries(browserEntries());
    setPurges([...purgeHistory.list()]);
    setPrefetches(prefetchHistory.list().map((p) => ({ ...p })));
  }, []);

  // Both caches out of the way: the browser's (entries and prefetches) dropped here, the server's
  // read through for this one document (`_cache=bypass`, honoured for admins: every read BYPASS).
  const reloadBypassing = () => {
    localCache()?.clear();
    dropAllPrefetched();
    sessionStorage.setItem(REOPEN_KEY, "1");
    const url = new URL(window.location.href);
    url.searchParams.set("_cache", "bypass");
    window.location.assign(url.toString());
  };

  // Again after each navigation (its data response lands a moment later) and each purge.
  const navigationKey = location.key;
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-read on each navigation (its key)
  useEffect(() => {
    refresh();
    const timer = setTimeout(refresh, 300);
    return () => clearTimeout(timer);
  }, [refresh, navigationKey]);
  useEffect(() => purgeHistory.subscribe(refresh), [refresh]);
  useEffect(() => prefetchHistory.subscribe(refresh), [refresh]);

  useEffect(() => {
    dialog.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  return (
    <div
      className="debug-panel"
      role="dialog"
      aria-modal="true"
      aria-labelledby="debug-panel-title"
      tabIndex={-1}
      ref={dialog}
    >
      <h2 id="debug-panel-title">Cache debug</h2>
      <button type="button" className="debug-close" onClick={onClose} aria-label="Close the cache debug panel">
        ×
      </button>
      <section aria-label="This page's reads">
        <h3>
          This page's reads{" "}
          {page ? (
            <span data-testid="debug-xcache">
              X-Cache {page.xCache} ({page.source})
            </span>
          ) : null}
        </h3>
        {page ? (
          <table data-testid="debug-reads">
            <thead>
              <tr>
                <th>Query</th>
                <th>Status</th>
                <th>ms</th>
                <th>Tags</th>
              </tr>
            </thead>
            <tbody>
              {page.reads.map((read) => (
                <tr key={`${read.query}-${read.status}-${read.ms}`}>
                  <td>{read.query}</td>
                  <td data-status={read.status}>{read.status.toUpperCase()}</td>
                  <td>{read.ms.toFixed(2)}</td>
                  <td data-testid="debug-read-tags">{read.tags === null ? "(reload to see)" : read.tags.join(" ")}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <td colSpan={4}>
                  cache {page.cacheMs.toFixed(2)} ms, database {page.dbMs.toFixed(2)} ms
                  {page.tags.length > 0 ? `; tags ${page.tags.join(" ")}` : ""}
                </td>
              </tr>
            </tfoot>
          </table>
        ) : (
          <p>No cached read on this page.</p>
        )}
        <p>
          {isAdmin ? (
            <button type="button" onClick={reloadBypassing}>
              Reload bypassing both caches
            </button>
          ) : null}{" "}
          {isAdmin && page && page.tags.length > 0 ? (
            <button type="button" onClick={() => void purgePageTags(page.tags)}>
              Purge this page's tags
            </button>
          ) : null}{" "}
          {purgeAnswer ? <output data-testid="debug-purge-answer">{purgeAnswer}</output> : null}
        </p>
      </section>
      <section aria-label="Browser cache">
        <h3>Browser cache ({entries.length})</h3>
        <ul data-testid="debug-entries">
          {entries.map((entry) => (
            <li key={entry.key}>
              <code>{entry.key}</code> {entry.tags.join(" ")}
            </li>
          ))}
        </ul>
        <button
          type="button"
          onClick={() => {
            localCache()?.clear();
            refresh();
          }}
        >
          Clear the browser cache
        </button>{" "}
        <button
          type="button"
          onClick={() => {
            localCache()?.clear();
            window.location.reload();
          }}
        >
          Reload without the browser cache
        </button>
      </section>
      <section aria-label="Prefetches">
        <h3>Prefetches in this tab ({prefetches.length})</h3>
        <ol data-testid="debug-prefetches">
          {prefetches.map((prefetch) => (
            <li key={`${prefetch.at}-${prefetch.url}`} data-state={prefetch.state}>
              <time dateTime={new Date(prefetch.at).toISOString()}>{new Date(prefetch.at).toLocaleTimeString()}</time>{" "}
              <code>{prefetch.url}</code> {prefetch.state}
              {prefetch.tags && prefetch.tags.length > 0 ? ` — ${prefetch.tags.join(" ")}` : ""}
            </li>
          ))}
        </ol>
      </section>
      <section aria-label="Recent purges">
        <h3>Recent purges in this tab</h3>
        <ol data-testid="debug-purges">
          {purges.map((purge) => (
            <li key={`${purge.at}-${purge.tags.join()}`}>
              <time dateTime={new Date(purge.at).toISOString()}>{new Date(purge.at).toLocaleTimeString()}</time>{" "}
              {purge.tags.join(" ")} — {purge.origin === "remote" ? "another tab" : (purge.source ?? purge.origin)}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

/**
 * The operators' keys, on every page: Ctrl+Shift+D toggles the debug panel (admins; everyone in
 * development), Ctrl+Shift+M opens the dashboard (admins). Others get nothing from either key.
 */
export function OperatorKeys({ isAdmin }: { isAdmin: boolean }) {
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const canDebug = isAdmin || import.meta.env.DEV;
  const close = useCallback(() => setOpen(false), []);
  useEffect(() => {
    if (!canDebug) return;
    // This browser's responses name each read's tags from now on; the panel reopens after its reload.
    // biome-ignore lint/suspicious/noDocumentCookie: a plain flag cookie, no Cookie Store API in every browser
    document.cookie = `${DEBUG_COOKIE}; path=/; SameSite=Lax`;
    if (sessionStorage.getItem(REOPEN_KEY)) {
      sessionStorage.removeItem(REOPEN_KEY);
      setOpen(true);
    }
  }, [canDebug]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return;
      const key = event.key.toLowerCase();
      if (key === "d" && canDebug) {
        event.preventDefault();
        setOpen((was) => !was);
      } else if (key === "m" && isAdmin) {
        event.preventDefault();
        navigate("/admin/cache");
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canDebug, isAdmin, navigate]);
  return open ? <DebugPanel onClose={close} isAdmin={isAdmin} /> : null;
}
