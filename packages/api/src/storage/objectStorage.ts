import type { S3StorageOptions } from "./s3Storage";

/** One stored object as read back: its bytes as a stream, and how many there are when the store says. */
export interface StoredObject {
  body: AsyncIterable<Uint8Array>;
  byteSize: number | null;
}

/**
 * Where uploaded files live. Keys are the caller's (`proofs/12/3f…a9.jpg`: lowercase
 * letters, digits, `/`, `.`, `_`, `-`); a store refuses any other key, so no key can leave
 * its directory or bucket. The caller records the content type itself and never asks the
 * store what an object is.
 */
export interface ObjectStorage {
  /** What the store is, for logs: "local disk at …" or "S3 at …". */
  readonly description: string;
  put: (key: string, body: Uint8Array, contentType: string) => Promise<void>;
  /** The object, or null when there is none under `key`. */
  get: (key: string) => Promise<StoredObject | null>;
  delete: (key: string) => Promise<void>;
}

/** Where files go: a directory on this machine, or an S3-compatible bucket. */
export type StorageOptions = { kind: "localDisk"; dir: string } | ({ kind: "s3" } & S3StorageOptions);

const KEY_PATTERN = /^[a-z0-9_-]+(\/[a-z0-9_-]+)*(\.[a-z0-9]+)?$/;
/** Longest key a store takes, in characters (the `proof_files.storage_key` column holds 200). */
const MAX_KEY_LENGTH = 200;

/** Throws unless `key` is one a store may use (see `ObjectStorage`). */
export function assertStorageKey(key: string): void {
  if (key.length > MAX_KEY_LENGTH || !KEY_PATTERN.test(key)) throw new Error(`Not a storage key: ${JSON.stringify(key)}`);
}
