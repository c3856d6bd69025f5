import type { AppLoadContext } from "@remix-run/node";
import { ReadLog } from "~/cache/read-log";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's address as the HTTP server saw it (for rate limits). */
    clientAddress: string;
    /** The cached reads this request made, summed up into its X-Cache headers. */
    reads: ReadLog;
  }
}

/** The load context of one request (the HTTP server calls this for each). */
export function createLoadContext(clientAddress: string): AppLoadContext {
  return { clientAddress, reads: new ReadLog() };
}
