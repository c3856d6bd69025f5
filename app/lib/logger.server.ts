import { pino } from "pino";
import { config } from "~/config.server";

/** The process logger (JSON lines); its level comes from LOG_LEVEL. */
export const logger = pino({
  level: config().logLevel,
  redact: ["req.headers.cookie", "req.headers.authorization", 'res.headers["set-cookie"]'],
});
