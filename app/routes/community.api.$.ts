import { apiNotFound } from "~/http/api-route.server";

/** Unknown paths under /community/api answer 404 JSON, whatever the method. */
export const action = apiNotFound();
export const loader = action;
