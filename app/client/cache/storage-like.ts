/** The part of the Web Storage API the cache uses, so tests can hand it a Map-backed fake. */
export interface StorageLike {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** All keys that start with `prefix` (copied first: removing while walking shifts indexes). */
export function keysWithPrefix(storage: StorageLike, prefix: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(prefix)) found.push(key);
  }
  return found;
}
