import type { UploadedProofFile } from "@convoy/api";

/** The upload route; a copy of `PROOF_UPLOAD_PATH`, so the client pulls no server module in. */
const UPLOAD_PATH = "/proofs/upload";

export interface UploadProofOptions {
  /** Server origin, e.g. `http://localhost:3000`, or `""` for same-origin in a browser. */
  url: string;
  /** The driver's access token (the same bearer token tRPC calls carry). */
  token: string;
  tripId: number;
  /** The photo of the delivered load, or the recipient's signature. */
  kind: "photo" | "signature";
  /** A JPEG, PNG or WebP image of at most 10 MB; the server checks its bytes, not its name or type. */
  body: Blob | Uint8Array;
  signal?: AbortSignal;
}

/** An upload the server refused: `status` is the HTTP status (413 too large, 415 not an image…), `code` tRPC's. */
export class ProofUploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = "ProofUploadError";
  }
}

/**
 * Uploads one proof-of-delivery image for the trip the driver is delivering, and resolves
 * with its `fileId` for `proofs.submit`. Refusals reject with `ProofUploadError` carrying the
 * server's sentence.
 */
export async function uploadProof(options: UploadProofOptions): Promise<UploadedProofFile> {
  const query = new URLSearchParams({ tripId: String(options.tripId), kind: options.kind });
  const response = await fetch(`${options.url.replace(/\/$/, "")}${UPLOAD_PATH}?${query.toString()}`, {
    method: "POST",
    headers: { authorization: `Bearer ${options.token}`, "content-type": "application/octet-stream" },
    // A Uint8Array on a SharedArrayBuffer is the one fetch refuses; no caller makes one.
    body: options.body as Blob | Uint8Array<ArrayBuffer>,
    signal: options.signal,
  });
  const answer = (await response.json().catch(() => null)) as
    (UploadedProofFile & { error?: undefined }) | { error?: { message?: string; data?: { code?: string } } } | null;
  if (response.status === 201 && answer && !answer.error) return answer as UploadedProofFile;
  const error = answer?.error;
  throw new ProofUploadError(error?.message ?? `Upload failed with HTTP ${response.status}`, response.status, error?.data?.code ?? "UNKNOWN");
}
