import type { ShouldRevalidateFunction } from "@remix-run/react";

/**
 * The root loader (who is signed in) changes only through a form submission (sign in, sign out)
 * or an explicit revalidation; single fetch would otherwise reload it on every navigation, and
 * then a page answered from the local cache would still wait for the network.
 */
export const rootShouldRevalidate: ShouldRevalidateFunction = ({
  formMethod,
  currentUrl,
  nextUrl,
  defaultShouldRevalidate,
}) => {
  if (formMethod && formMethod.toUpperCase() !== "GET") return defaultShouldRevalidate;
  const samePage = currentUrl.pathname === nextUrl.pathname && currentUrl.search === nextUrl.search;
  return samePage ? defaultShouldRevalidate : false;
};
