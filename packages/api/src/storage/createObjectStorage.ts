import { LocalDiskStorage } from "./localDiskStorage";
import type { ObjectStorage, StorageOptions } from "./objectStorage";
import { S3Storage } from "./s3Storage";

/** The store `options` name: a directory on this machine, or an S3-compatible bucket. */
export function createObjectStorage(options: StorageOptions): ObjectStorage {
  return options.kind === "localDisk" ? new LocalDiskStorage(options.dir) : new S3Storage(options);
}
