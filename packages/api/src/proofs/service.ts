import type { ObjectStorage } from "../storage/objectStorage";
import { MAX_PROOF_FILE_BYTES } from "./schemas";
import { ProofUrlSigner } from "./signedUrls";

export interface ProofOptions {
  /** Largest image accepted, in bytes; at most `MAX_PROOF_FILE_BYTES`. @default 10_485_760 (10 MiB) */
  maxFileBytes?: number;
  /** How long a signed file link works, in seconds. @default 300 */
  urlTtlSeconds?: number;
  /**
   * Images one trip may collect, retakes included; past it uploads are refused, so a
   * driver's phone cannot fill the store. @default 20
   */
  maxFilesPerTrip?: number;
}

/** Proof of delivery's store, link signer and limits, built once per process. */
export class ProofService {
  readonly maxFileBytes: number;
  readonly maxFilesPerTrip: number;
  readonly signer: ProofUrlSigner;

  constructor(
    readonly storage: ObjectStorage,
    secret: string,
    options: ProofOptions = {},
  ) {
    this.maxFileBytes = Math.min(options.maxFileBytes ?? MAX_PROOF_FILE_BYTES, MAX_PROOF_FILE_BYTES);
    this.maxFilesPerTrip = options.maxFilesPerTrip ?? 20;
    this.signer = new ProofUrlSigner(secret, options.urlTtlSeconds ?? 300);
  }
}
