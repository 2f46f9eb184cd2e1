import type { ApiKeyScope } from "@convoy/db";
import type { TokenBucket } from "../lib/tokenBucket";

/** What a key may do and spend; carried by the `Session` of every call made with it. */
export interface ApiKeyGrant {
  keyId: number;
  scopes: ReadonlySet<ApiKeyScope>;
  /** The key's calls on this instance. */
  bucket: TokenBucket;
  /** When this instance last wrote the key's `lastUsedAt`, epoch ms. */
  usedWrittenAt: number;
}
