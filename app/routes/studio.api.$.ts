import { apiNotFound } from "~/http/api-route.server";

/** Unknown paths under /studio/api answer 404 JSON, whatever the method. */
export const action = apiNotFound();
export const loader = action;
