import type { ShouldRevalidateFunction } from "@remix-run/react";

/**
 * The root loader (who is signed in) changes only through a form submission (sign in, sign out),
 * so only submissions reload it. Single fetch would otherwise reload it on every navigation and
 * every revalidation: a page answered from the local cache would still wait for the network, and a
 * tab refreshing after another tab's purge would ask the server twice.
 */
export const rootShouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod !== undefined && formMethod.toUpperCase() !== "GET" ? defaultShouldRevalidate : false;
