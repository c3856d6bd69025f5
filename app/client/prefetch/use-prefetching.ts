import { useLocation, useNavigation } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { NAV_KEY } from "../cache/config";
import { scopeEpoch } from "../cache/scope";
import { createBatchPrefetcher } from "./batch";
import { prefersLessData } from "./connection";
import { NavPredictor } from "./predictor";
import { prefetchRouteData } from "./prefetch-data";

const INTENT_DELAY_MS = 80;
const CONCURRENCY = 2;
/** Pages whose modules (and data, for routes without a clientLoader) Remix's links prefetch. */
const MAX_PAGE_LINKS = 4;

/** A same-origin page link worth prefetching, as path and query; undefined otherwise. */
function prefetchableHref(target: EventTarget | null): string | undefined {
  const anchor = target instanceof Element ? target.closest("a[href]") : null;
  if (!(anchor instanceof HTMLAnchorElement)) return undefined;
  if (anchor.target === "_blank" || anchor.hasAttribute("download") || anchor.dataset.prefetch === "none") {
    return undefined;
  }
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin) return undefined;
  const href = url.pathname + url.search;
  return href === window.location.pathname + window.location.search ? undefined : href;
}

function whenIdle(run: () => void): () => void {
  if (typeof window.requestIdleCallback === "function") {
    const id = window.requestIdleCallback(run, { timeout: 2_000 });
    return () => window.cancelIdleCallback(id);
  }
  const id = window.setTimeout(run, 500);
  return () => window.clearTimeout(id);
}

/**
 * Prefetching for the whole app, from the root: intent (hover, focus, touch) on any internal link,
 * viewport for `rel="next"` and `data-prefetch="viewport"` links, and at idle time the predicted
 * next page and the `rel="next"` page (next scene, older posts). Returns the pages to hand to
 * Remix's `<PrefetchPageLinks>` (route modules; data of routes without a clientLoader).
 */
export function usePrefetching(): string[] {
  const [pages, setPages] = useState<string[]>([]);
  const location = useLocation();
  const navigation = useNavigation();
  const predictor = useRef<NavPredictor | null>(null);
  const batch = useRef<ReturnType<typeof createBatchPrefetcher> | null>(null);
  const previous = useRef<{ href: string; epoch: number } | null>(null);

  const prefetch = useCallback((href: string) => {
    setPages((list) => (list.includes(href) ? list : [...list, href].slice(-MAX_PAGE_LINKS)));
    batch.current ??= createBatchPrefetcher(CONCURRENCY, (url) => prefetchRouteData(url) || Promise.resolve());
    return batch.current.one(href);
  }, []);

  // Intent: a short hover (a pointer passing over does not count), focus, or touch.
  useEffect(() => {
    let timer: number | undefined;
    const onOver = (event: PointerEvent) => {
      const href = prefetchableHref(event.target);
      if (!href || event.pointerType === "touch") return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void prefetch(href), INTENT_DELAY_MS);
    };
    const onOut = () => window.clearTimeout(timer);
    const onNow = (event: Event) => {
      const href = prefetchableHref(event.target);
      if (href) void prefetch(href);
    };
    document.addEventListener("pointerover", onOver);
    document.addEventListener("pointerout", onOut);
    document.addEventListener("focusin", onNow);
    document.addEventListener("touchstart", onNow, { passive: true });
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener("pointerover", onOver);
      document.removeEventListener("pointerout", onOut);
      document.removeEventListener("focusin", onNow);
      document.removeEventListener("touchstart", onNow);
    };
  }, [prefetch]);

  // Transitions for the predictor, and the speculative prefetches of the page we arrived on.
  const here = location.pathname + location.search;
  useEffect(() => {
    if (typeof window === "undefined") return;
    predictor.current ??= new NavPredictor(safeLocalStorage(), NAV_KEY);
    // A sign-out or sign-in in between: the last user's pages are not this history's.
    const last = previous.current;
    if (last && last.href !== here && last.epoch === scopeEpoch()) predictor.current.record(last.href, here);
    previous.current = { href: here, epoch: scopeEpoch() };
  }, [here]);

  useEffect(() => {
    if (navigation.state !== "idle" || prefersLessData()) return;
    const links = () => [...document.querySelectorAll<HTMLAnchorElement>('a[rel="next"], a[data-prefetch="viewport"]')];
    const observer =
      typeof IntersectionObserver === "function"
        ? new IntersectionObserver((entries) => {
            for (const entry of entries) {
              const href = entry.isIntersecting ? prefetchableHref(entry.target) : undefined;
              if (href) {
                observer?.unobserve(entry.target);
                void prefetch(href);
              }
            }
          })
        : undefined;
    for (const link of links()) observer?.observe(link);
    const cancelIdle = whenIdle(() => {
      const predicted = predictor.current?.predict(here);
      const next = links()
        .filter((a) => a.rel === "next")
        .map((a) => prefetchableHref(a));
      for (const href of [predicted, ...next]) if (href && href !== here) void prefetch(href);
    });
    return () => {
      observer?.disconnect();
      cancelIdle();
    };
  }, [here, navigation.state, prefetch]);

  return pages;
}

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
