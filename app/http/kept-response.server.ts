import { promisify } from "node:util";
import zlib from "node:zlib";
import Negotiator from "negotiator";

/**
 * A response as the response cache keeps it (docs/caching.md#the-response-cache): one line of
 * JSON saying what it is, then its body in each encoding it is kept in, back to back. A replay
 * picks the client's encoding and sends that slice of the bytes Redis returned: no decoding, no
 * copy, no compression per request.
 */

/**
 * The encodings a body is kept in. Not brotli: browsers list gzip first, so a client's own order
 * would rarely pick it, and one compressed copy is enough to spare the per-request work.
 */
export type Encoding = "gzip" | "identity";

export interface KeptMeta {
  status: number;
  /** The response's own headers, as rendered (a document's pinned policy included). */
  headers: [string, string][];
  tags: string[];
  etag: string;
  /** The bodies after the meta line, in order: their encoding and length in bytes. */
  bodies: [Encoding, number][];
}

/** Bodies this small are sent as they are (compression's own default threshold). */
const COMPRESS_FROM_BYTES = 1024;
const gzip = promisify(zlib.gzip);

/**
 * The body in every encoding it is kept in: compressed once, when it is stored, off the main
 * thread (gzip at level 6: about 0.3 ms for a 75 KB story page).
 */
export async function encodeBody(identity: Buffer): Promise<[Encoding, Buffer][]> {
  if (identity.length < COMPRESS_FROM_BYTES) return [["identity", identity]];
  return [
    ["gzip", await gzip(identity, { level: 6 })],
    ["identity", identity],
  ];
}

export function packResponse(meta: Omit<KeptMeta, "bodies">, bodies: readonly [Encoding, Buffer][]): Buffer {
  const full: KeptMeta = { ...meta, bodies: bodies.map(([encoding, body]) => [encoding, body.length]) };
  return Buffer.concat([Buffer.from(`${JSON.stringify(full)}\n`), ...bodies.map(([, body]) => body)]);
}

export interface KeptResponse {
  meta: KeptMeta;
  /** The body in one of the encodings `meta.bodies` names: a view of the bytes read, not a copy. */
  body(encoding: Encoding): Buffer;
}

/** A kept response from its bytes, or undefined when they are not one (cut short, or not ours). */
export function unpackResponse(payload: Buffer): KeptResponse | undefined {
  const cut = payload.indexOf(10);
  if (cut < 0) return undefined;
  const meta = JSON.parse(payload.toString("utf8", 0, cut)) as KeptMeta;
  const offsets = new Map<Encoding, [number, number]>();
  let at = cut + 1;
  for (const [encoding, length] of meta.bodies) {
    offsets.set(encoding, [at, at + length]);
    at += length;
  }
  if (at !== payload.length) return undefined;
  return {
    meta,
    body: (encoding) => {
      const [start, end] = offsets.get(encoding) ?? [0, 0];
      return payload.subarray(start, end);
    },
  };
}

/** The encoding to send, among those kept, by the request's Accept-Encoding (its q-values and order). */
export function chooseEncoding(acceptEncoding: string | null, kept: readonly Encoding[]): Encoding | undefined {
  const negotiator = new Negotiator({ headers: { "accept-encoding": acceptEncoding ?? undefined } });
  return negotiator.encoding([...kept]) as Encoding | undefined;
}
