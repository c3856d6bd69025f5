import { pino } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The process logger (JSON lines). Its level is LOG_LEVEL, which config.server.ts validates at
 * start-up (the servers parse the configuration before they load this module); an unknown value
 * here falls back to `info` rather than throwing.
 */
function levelFromEnvironment(): LogLevel {
  const level = process.env.LOG_LEVEL;
  return LOG_LEVELS.find((known) => known === level) ?? "info";
}

export const logger = pino({
  level: levelFromEnvironment(),
  redact: ["req.headers.cookie", "req.headers.authorization", 'res.headers["set-cookie"]'],
});
