import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assertStorageKey, type ObjectStorage, type StoredObject } from "./objectStorage";

/**
 * Files in a directory of this machine, one file per key. A write goes to a temporary
 * name beside its target and is renamed into place, so a reader never sees half a file.
 * Only for one instance, or several sharing the directory.
 */
export class LocalDiskStorage implements ObjectStorage {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `local disk at ${dir}`;
  }

  private pathOf(key: string): string {
    assertStorageKey(key);
    return join(this.dir, key);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString("hex")}.partial`;
    try {
      await writeFile(temporary, body, { mode: 0o600 });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    const found = await stat(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    });
    if (!found?.isFile()) return null;
    return { body: createReadStream(path), byteSize: found.size };
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
