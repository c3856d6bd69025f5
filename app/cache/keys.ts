/**
 * Every Redis key the cache writes, in one place. `namespace` separates databases sharing one Redis
 * (see namespace.server.ts).
 */
export function cacheKeys(namespace: string) {
  const prefix = `qc:${namespace}:`;
  return {
    /** A cached value with the tokens it was loaded under. */
    entry: (key: string) => `${prefix}e:${key}`,
    /** A tag's current token; purging the tag deletes it. */
    token: (tag: string) => `${prefix}t:${tag}`,
    /** The short lock of one key's load across instances. */
    lock: (key: string) => `${prefix}l:${key}`,
    /** Keys read recently under a tag (sorted set, score = last read, ms): what a purge warms. */
    recent: (tag: string) => `${prefix}r:${tag}`,
    /** Reads per key in one minute (sorted set, score = count): what the scheduler keeps warm. */
    hot: (minute: number) => `${prefix}h:${minute}`,
  };
}
