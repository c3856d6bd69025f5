interface NetworkInformationLike {
  saveData?: boolean;
  effectiveType?: string;
}

/** Save-Data on, or a 2G-class link: speculative prefetches (idle, viewport) are skipped. */
export function prefersLessData(): boolean {
  const connection = (navigator as Navigator & { connection?: NetworkInformationLike }).connection;
  return connection?.saveData === true || /(^|-)2g$/.test(connection?.effectiveType ?? "");
}
