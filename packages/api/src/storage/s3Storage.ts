import { createHash } from "node:crypto";
import { AwsClient } from "aws4fetch";
import { assertStorageKey, type ObjectStorage, type StoredObject } from "./objectStorage";

export interface S3StorageOptions {
  /** The bucket's URL, path style: `http://127.0.0.1:9000/convoy-proofs` (MinIO) or `https://s3.eu-west-1.amazonaws.com/bucket`. */
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The region the signature names. @default "us-east-1" */
  region?: string;
  /** Longest wait for one request to the store, in ms. @default 10_000 */
  timeoutMs?: number;
}

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, R2, Ceph…), addressed path style and
 * signed with AWS Signature V4 (`aws4fetch`), body hash included. Every request has a timeout; a store that
 * answers anything but success fails the call with the status, never with its body.
 */
export class S3Storage implements ObjectStorage {
  readonly description: string;
  private readonly client: AwsClient;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(options: S3StorageOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.description = `S3 at ${this.base}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.client = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      region: options.region ?? "us-east-1",
      service: "s3",
      retries: 0,
    });
  }

  private request(method: "PUT" | "GET" | "DELETE", key: string, init: { body?: Uint8Array; contentType?: string } = {}) {
    assertStorageKey(key);
    return this.client.fetch(`${this.base}/${key}`, {
      method,
      // Node's Buffers sit on a plain ArrayBuffer, which is what fetch takes.
      body: init.body as Uint8Array<ArrayBuffer> | undefined,
      // The body's hash is signed too (aws4fetch would send UNSIGNED-PAYLOAD to S3), so the
      // store refuses a body changed on the way.
      headers: {
        ...(init.contentType ? { "content-type": init.contentType } : {}),
        "x-amz-content-sha256": createHash("sha256")
          .update(init.body ?? new Uint8Array())
          .digest("hex"),
      },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    const response = await this.request("PUT", key, { body, contentType });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${this.description} refused PUT ${key}: HTTP ${response.status}`);
  }

  async get(key: string): Promise<StoredObject | null> {
    const response = await this.request("GET", key);
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new Error(`${this.description} refused GET ${key}: HTTP ${response.status}`);
    }
    const length = response.headers.get("content-length");
    return { body: response.body as AsyncIterable<Uint8Array>, byteSize: length === null ? null : Number(length) };
  }

  async delete(key: string): Promise<void> {
    const response = await this.request("DELETE", key);
    await response.body?.cancel();
    if (!response.ok && response.status !== 404) throw new Error(`${this.description} refused DELETE ${key}: HTTP ${response.status}`);
  }
}
