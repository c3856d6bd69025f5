import { useLocation } from "@remix-run/react";
import { useEffect, useRef } from "react";

const ANNOUNCER_ID = "announcer";

/**
 * One polite live region for the whole page (in the root layout): counts, positions and page
 * changes are said through it (docs/experience.md#focus-and-announcements).
 */
export function Announcer() {
  return <div id={ANNOUNCER_ID} className="visually-hidden" aria-live="polite" aria-atomic="true" />;
}

/** Says `text` politely; the same text twice in a row is said twice. */
export function announce(text: string): void {
  const region = typeof document === "undefined" ? null : document.getElementById(ANNOUNCER_ID);
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 60);
}

/** Whether focus is on something real on the page (not the body, not an element React removed). */
function focusIsOnPage(): boolean {
  const active = document.activeElement;
  return active !== null && active !== document.body && document.contains(active);
}

/**
 * Focus that follows the user on client-side navigation: a new page focuses its field marked
 * `data-autofocus` (a new scene's text box) or else its `<h1>`, and its title is announced; the
 * same page again (a form posted back to it) keeps focus where it is when it still exists, and
 * otherwise moves it to the first invalid field or the `<h1>`, so the next Tab never leaves the page.
 * On the first load only a `data-autofocus` field takes focus (the browser starts at the top).
 */
export function RouteFocus() {
  const location = useLocation();
  const last = useRef<{ key: string; pathname: string } | null>(null);
  useEffect(() => {
    const previous = last.current;
    last.current = { key: location.key, pathname: location.pathname };
    if (previous === null) {
      // The first load: only a field that asks for it (a new scene's text box) takes focus.
      if (!focusIsOnPage()) document.querySelector<HTMLElement>("main [data-autofocus]")?.focus();
      return;
    }
    if (previous.key === location.key) return;
    const samePage = previous.pathname === location.pathname;
    const main = document.querySelector("main");
    if (!main) return;
    if (samePage && focusIsOnPage()) return;
    const target =
      main.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      (samePage ? null : main.querySelector<HTMLElement>("[data-autofocus]")) ??
      main.querySelector<HTMLElement>("h1");
    if (!target) return;
    if (target.tagName === "H1" && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
    if (!samePage) announce(document.title);
  }, [location.key, location.pathname]);
  return null;
}
