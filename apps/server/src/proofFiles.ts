import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import type { Logger } from "pino";
import {
  checkProofUpload,
  findProofFile,
  PROOF_FILES_PATH,
  PROOF_UPLOAD_PATH,
  proofUploadQuerySchema,
  sniffImageType,
  spendMutationBudget,
  storeProofFile,
  type ApiServices,
} from "@convoy/api/server";
import { refusalShape } from "./budgets/errorShape";
import type { HttpCallBudget } from "./budgets/httpCalls";

/** Bytes of a body that tell its image type: WebP's header is the longest, 12. */
const SNIFF_BYTES = 12;
/**
 * After refusing an upload mid-stream, how many more bytes are read and dropped so the
 * client, still sending, gets to read the answer; past them the connection is cut.
 */
const DRAIN_LIMIT_BYTES = 1024 * 1024;
/** Uploads one user may have streaming at once: each may hold up to the size limit in memory. */
const UPLOADS_AT_ONCE_PER_USER = 2;

/**
 * The images served from here are only ever shown, never run: no script, no plugin, no
 * frame, and the browser takes the stored (sniffed) type at its word.
 */
const FILE_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-disposition": "inline",
  "content-security-policy": "default-src 'none'; sandbox",
  "cross-origin-resource-policy": "same-origin",
  "referrer-policy": "no-referrer",
} as const;

interface ProofRoutesDeps {
  services: ApiServices;
  logger: Logger;
  httpCallBudget: HttpCallBudget;
}

const tooLarge = (maxBytes: number) => `A proof image may be at most ${maxBytes} bytes (${Math.round((maxBytes / 1024 / 1024) * 10) / 10} MB)`;

function sendError(response: ServerResponse, code: TRPC_ERROR_CODE_KEY, message: string, headers: Record<string, string> = {}) {
  if (response.headersSent) return;
  const error = new TRPCError({ code, message });
  response.writeHead(getHTTPStatusCodeFromError(error), { "content-type": "application/json", ...headers });
  response.end(JSON.stringify({ error: refusalShape(code, message) }));
}

/**
 * Answers with `error` and lets the rest of a body the client is still sending go: a little
 * more is read and dropped so the client can read the answer, then the connection closes.
 */
function refuseUpload(request: IncomingMessage, response: ServerResponse, code: TRPC_ERROR_CODE_KEY, message: string) {
  sendError(response, code, message, { connection: "close" });
  dropRest(request);
}

/** Reads and drops up to `DRAIN_LIMIT_BYTES` more of the body, then cuts the connection. */
function dropRest(request: IncomingMessage) {
  if (request.complete) return;
  let dropped = 0;
  request.removeAllListeners("data");
  request.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT_BYTES) request.destroy();
  });
  request.resume();
}

/**
 * Reads the body up to `maxBytes`, checking its image type as soon as its first bytes are
 * in. Resolves with the bytes, or with the refusal already sent (413 past the limit, 415
 * for what is not an image) and null; at most `maxBytes` are ever held.
 */
function readImageBody(request: IncomingMessage, response: ServerResponse, maxBytes: number, isImage: (head: Uint8Array) => boolean) {
  return new Promise<Buffer | null>((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let sniffed = false;
    const refuse = (code: TRPC_ERROR_CODE_KEY, message: string) => {
      refuseUpload(request, response, code, message);
      resolve(null);
    };
    request.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        refuse("PAYLOAD_TOO_LARGE", tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
      if (!sniffed && received >= SNIFF_BYTES) {
        sniffed = true;
        if (!isImage(Buffer.concat(chunks))) refuse("UNSUPPORTED_MEDIA_TYPE", "Only JPEG, PNG and WebP images are accepted; this file is not one");
      }
    });
    request.once("end", () => resolve(Buffer.concat(chunks)));
    // A client that goes away mid-body (an "aborted" error, then "close"): nothing to answer, nothing to store.
    request.once("error", () => resolve(null));
    request.once("close", () => {
      if (!request.complete) resolve(null);
    });
  });
}

/**
 * The two HTTP routes of proof of delivery beside tRPC:
 *
 * - `POST /proofs/upload?tripId=…&kind=photo|signature`, the image as the body, with the
 *   same bearer token and call budget as tRPC, one point of the mutation budget, at most
 *   two under way per user, and the trip checked before the body is read. The body is refused while it streams: 413 past
 *   the size limit, 415 once its first bytes are not a JPEG, PNG or WebP header. 201 with
 *   `{ fileId, kind, contentType, byteSize }`; errors have tRPC's shape (`error.message`).
 * - `GET /proofs/files/<id>?expires=…&signature=…`: a signed link from `proofs.forTrip`,
 *   no token. 403 when the signature does not match or the link has expired.
 *
 * Returns false for any other path.
 */
export function proofRoutes({ services, logger, httpCallBudget }: ProofRoutesDeps) {
  const { proofs, sessions, db } = services;
  /** Uploads under way, by user. */
  const uploading = new Map<number, number>();

  async function upload(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const refuse = (code: TRPC_ERROR_CODE_KEY, message: string) => refuseUpload(request, response, code, message);
    if (request.method !== "POST") return refuse("METHOD_NOT_SUPPORTED", "Upload with POST");
    if (httpCallBudget.refuse(request, response)) return dropRest(request);
    const header = request.headers.authorization;
    const auth = await sessions.authenticate(header?.startsWith("Bearer ") ? header.slice(7) : null);
    if (!auth.ok || !sessions.isLive(auth.session, Date.now())) return refuse("UNAUTHORIZED", "Sign in first: send a valid access token");
    const { session } = auth;
    if (session.role !== "driver") return refuse("FORBIDDEN", "Only the load's driver uploads proof of delivery");
    await spendMutationBudget(services, session.userId);
    const query = proofUploadQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return refuse("BAD_REQUEST", query.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "));
    if (Number(request.headers["content-length"] ?? 0) > proofs.maxFileBytes) return refuse("PAYLOAD_TOO_LARGE", tooLarge(proofs.maxFileBytes));
    const trip = await checkProofUpload(db, proofs, session.userId, query.data);
    const underWay = uploading.get(session.userId) ?? 0;
    if (underWay >= UPLOADS_AT_ONCE_PER_USER) {
      return refuse("TOO_MANY_REQUESTS", `At most ${UPLOADS_AT_ONCE_PER_USER} uploads at once; wait for the one under way to finish`);
    }
    uploading.set(session.userId, underWay + 1);
    try {
      const body = await readImageBody(request, response, proofs.maxFileBytes, (head) => sniffImageType(head) !== null);
      if (!body) return;
      const stored = await storeProofFile(db, proofs, session.userId, trip, query.data.kind, body);
      response.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify(stored));
    } finally {
      const left = (uploading.get(session.userId) ?? 1) - 1;
      if (left > 0) uploading.set(session.userId, left);
      else uploading.delete(session.userId);
    }
  }

  async function serveFile(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    if (request.method !== "GET" && request.method !== "HEAD")
      return sendError(response, "METHOD_NOT_SUPPORTED", "Read with GET", { allow: "GET, HEAD" });
    const check = proofs.signer.verify(
      url.pathname.slice(PROOF_FILES_PATH.length),
      url.searchParams.get("expires"),
      url.searchParams.get("signature"),
    );
    if (!check.ok) {
      const why = {
        malformed: "This is not a proof file link",
        expired: "This link has expired; reopen the trip for a fresh one",
        bad_signature: "This link is not valid",
      }[check.reason];
      return sendError(response, check.reason === "malformed" ? "BAD_REQUEST" : "FORBIDDEN", why);
    }
    const file = await findProofFile(db, check.fileId);
    const stored = file && (await proofs.storage.get(file.storageKey));
    if (!file || !stored) return sendError(response, "NOT_FOUND", "Proof file not found");
    response.writeHead(200, {
      ...FILE_HEADERS,
      "content-type": file.contentType,
      "content-length": String(file.byteSize),
      "cache-control": "private, max-age=300",
    });
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    await pipeline(Readable.from(stored.body), response);
  }

  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? "/", "http://x");
    const route = url.pathname === PROOF_UPLOAD_PATH ? upload : url.pathname.startsWith(PROOF_FILES_PATH) ? serveFile : null;
    if (!route) return false;
    route(request, response, url).catch((error: unknown) => {
      if (error instanceof TRPCError) {
        if (error.code === "SERVICE_UNAVAILABLE") logger.error({ err: error.cause ?? error, path: url.pathname }, "proof file store failed");
        refuseUpload(request, response, error.code, error.message);
        return;
      }
      logger.error({ err: error, path: url.pathname }, "proof file route failed");
      if (!response.headersSent) sendError(response, "INTERNAL_SERVER_ERROR", "Something went wrong on the server; it has been logged");
      else response.destroy();
    });
    return true;
  };
}
