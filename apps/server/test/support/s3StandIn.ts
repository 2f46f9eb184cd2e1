import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small S3-compatible object store for tests: path-style `PUT`, `GET` and `DELETE` of
 * objects in one bucket, each request checked against AWS Signature Version 4 as S3 checks
 * it (the canonical request from the method, path, query, signed headers and payload hash;
 * the string to sign under the credential's scope; the key derived from the secret by date,
 * region and service; the payload hash against the body; the clock skew). Written from the
 * protocol, not from Convoy's client, so a client that signs wrongly is refused here
 * exactly as by S3, with its XML error and status.
 */
export interface S3StandIn {
  /** The bucket's URL, for `STORAGE_URL`: `http://127.0.0.1:PORT/BUCKET`. */
  url: string;
  /** Objects by key (without the bucket), with the type they were stored with. */
  objects: Map<string, { body: Buffer; contentType: string | null }>;
  /** Every request: method, key and how it was answered (a status and S3's error code, if any). */
  requests: { method: string; key: string; status: number; error: string | null; payloadSigned: boolean }[];
  close: () => Promise<void>;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, `/` kept in paths. */
function uriEncode(text: string, keepSlash: boolean): string {
  return [...Buffer.from(text, "utf8")]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      if (/[A-Za-z0-9_.~-]/.test(char) || (keepSlash && char === "/")) return char;
      return `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** Checks the request's SigV4 `Authorization` header as S3 does; returns why it is refused, or null when it is signed right. */
export function checkSignature(
  request: Pick<IncomingMessage, "method" | "headers">,
  url: URL,
  body: Buffer,
  credentials: S3Credentials,
  now: number,
): Refusal | null {
  const header = request.headers.authorization ?? "";
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (!match) return { status: 403, code: "AccessDenied", message: "No AWS Signature Version 4 authorization" };
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) return { status: 403, code: "InvalidAccessKeyId", message: "Unknown access key" };
  if (region !== credentials.region || service !== "s3")
    return { status: 400, code: "AuthorizationHeaderMalformed", message: "Wrong region or service" };
  const amzDate = String(request.headers["x-amz-date"] ?? "");
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(date!)) return { status: 403, code: "AccessDenied", message: "Bad x-amz-date" };
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs(now - signedAt) > 15 * 60_000) return { status: 403, code: "RequestTimeTooSkewed", message: "Signed too long ago" };

  const signedHeaders = signedHeaderList!.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date"))
    return { status: 403, code: "AccessDenied", message: "host and x-amz-date must be signed" };
  const payloadHash = String(request.headers["x-amz-content-sha256"] ?? "");
  if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== sha256Hex(body)) {
    return { status: 400, code: "XAmzContentSHA256Mismatch", message: "The body does not match x-amz-content-sha256" };
  }
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = request.headers[name];
      const text = Array.isArray(value) ? value.join(",") : (value ?? "");
      return `${name}:${text.trim().replace(/\s+/g, " ")}\n`;
    })
    .join("");
  const canonicalQuery = [...url.searchParams.entries()]
    .map(([key, value]) => [uriEncode(key, false), uriEncode(value, false)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
  const canonicalRequest = [
    request.method,
    uriEncode(decodeURIComponent(url.pathname), true),
    canonicalQuery,
    canonicalHeaders,
    signedHeaderList,
    payloadHash,
  ].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date!), region), "s3"), "aws4_request");
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(signature!, "hex");
  if (!timingSafeEqual(given, expected)) {
    return { status: 403, code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided" };
  }
  return null;
}

function sendError(response: ServerResponse, refusal: Refusal) {
  response.writeHead(refusal.status, { "content-type": "application/xml" });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`);
}

/** Starts the stand-in on a free loopback port with one bucket, `bucket`, and one key pair. */
export async function startS3StandIn(bucket: string, credentials: S3Credentials): Promise<S3StandIn> {
  const objects: S3StandIn["objects"] = new Map();
  const requests: S3StandIn["requests"] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://stand-in");
      const body = Buffer.concat(chunks);
      const [, bucketName, ...rest] = url.pathname.split("/");
      const key = decodeURIComponent(rest.join("/"));
      const payloadSigned = /^[0-9a-f]{64}$/.test(String(request.headers["x-amz-content-sha256"] ?? ""));
      const answer = (status: number, error: string | null) => requests.push({ method: request.method ?? "", key, status, error, payloadSigned });
      const refusal =
        checkSignature(request, url, body, credentials, Date.now()) ??
        (bucketName === bucket ? null : { status: 404, code: "NoSuchBucket", message: "No such bucket" });
      if (refusal) {
        answer(refusal.status, refusal.code);
        return sendError(response, refusal);
      }
      if (request.method === "PUT") {
        objects.set(key, { body, contentType: request.headers["content-type"] ?? null });
        answer(200, null);
        response.writeHead(200, { etag: `"${createHash("md5").update(body).digest("hex")}"` }).end();
      } else if (request.method === "GET") {
        const object = objects.get(key);
        if (!object) {
          answer(404, "NoSuchKey");
          return sendError(response, { status: 404, code: "NoSuchKey", message: "The specified key does not exist." });
        }
        answer(200, null);
        response
          .writeHead(200, { "content-type": object.contentType ?? "binary/octet-stream", "content-length": object.body.length })
          .end(object.body);
      } else if (request.method === "DELETE") {
        objects.delete(key);
        answer(204, null);
        response.writeHead(204).end();
      } else {
        answer(405, "MethodNotAllowed");
        sendError(response, { status: 405, code: "MethodNotAllowed", message: "Not supported here" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${bucket}`,
    objects,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
