import { z } from "zod";
import { MAX_POINTS_PER_REPORT, reportInputSchema, type Rejection } from "./points";

/**
 * The position socket: one WebSocket per driver that carries nothing but position reports,
 * beside the tRPC socket that carries everything else. A report gets no answer unless some
 * of its points are refused; the driver asks for confirmation with a `sync` when it wants
 * one (every 30 s, and before it goes off shift). Answering every report would make a
 * report cost twice a dispatcher delivery (bench/README.md, "The position socket").
 *
 * Client → server, JSON text frames:
 * - `{ type: "auth", token }`, first and once; the server answers `ready`.
 * - `{ type: "report", seq, points }`, 1–50 points, the same points `tracking.report` takes.
 * - `{ type: "sync", seq }`; the server answers `synced` with that `seq` once it has handled
 *   every message sent before it.
 *
 * Server → client: `ready`, `synced`, `rejected` (some points of a report refused, each with
 * its reason) and `error` (a whole message refused; the socket stays open).
 */

/** Where the position socket listens, on the server's one port. */
export const POSITION_SOCKET_PATH = "/positions";

/** Largest frame the position socket accepts: 50 points with room for extra fields. 16 KiB. */
export const POSITION_SOCKET_MAX_PAYLOAD_BYTES = 16 * 1024;

/**
 * Close codes of the position socket. After any of these a client should not reconnect
 * with the same token; any other close is worth a reconnect. (A session that ends by
 * expiry or logout closes with `SESSION_ENDED_CLOSE_CODE`, 4001, as the tRPC socket does.)
 */
export const POSITION_SOCKET_CLOSE = {
  /** The first message was not `auth`, or came too late. */
  protocolError: 4400,
  /** No token, or one that is invalid, expired or logged out. */
  unauthorized: 4401,
  /** A valid token, but not a driver's. */
  forbidden: 4403,
  /** The same driver opened a newer position socket; one per driver per server. */
  replaced: 4409,
} as const;

const seqSchema = z.number().int("seq must be a whole number").nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Every message a client may send. Strict: a `driverId` or any other extra key is refused. */
export const positionSocketMessageSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("auth"), token: z.string().min(1, "token is empty").max(4_096) }),
  z.strictObject({ type: z.literal("report"), seq: seqSchema, points: reportInputSchema.shape.points }),
  z.strictObject({ type: z.literal("sync"), seq: seqSchema }),
]);
export type PositionSocketMessage = z.infer<typeof positionSocketMessageSchema>;
export type PositionReportMessage = Extract<PositionSocketMessage, { type: "report" }>;

const POINT_OPTIONAL_NUMBERS = ["accuracyM", "headingDeg", "speedMps"] as const;
const isWholeSeq = (value: unknown) => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const isOptionalNumber = (value: unknown) => value === undefined || value === null || (typeof value === "number" && Number.isFinite(value));

/**
 * The common case, a well-formed report, checked by hand: the position socket takes 2,000
 * of them a second, and zod's parse (which also copies the message) takes a tenth of the
 * server's time on them. It only ever says yes to what `positionSocketMessageSchema`
 * accepts as a report (a property test holds it to that); anything else goes through zod,
 * which gives the readable error. Extra keys on a point are left in place where zod would
 * strip them; nothing reads them.
 */
export function isWellFormedReport(value: unknown): value is PositionReportMessage {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  if (message.type !== "report" || !isWholeSeq(message.seq) || Object.keys(message).length !== 3) return false;
  const { points } = message;
  if (!Array.isArray(points) || points.length < 1 || points.length > MAX_POINTS_PER_REPORT) return false;
  for (const point of points as unknown[]) {
    if (typeof point !== "object" || point === null || Array.isArray(point)) return false;
    const { lat, lng, recordedAt } = point as Record<string, unknown>;
    if (typeof lat !== "number" || typeof lng !== "number" || typeof recordedAt !== "number") return false;
    if (!Number.isFinite(lat) || !Number.isFinite(lng) || !Number.isFinite(recordedAt)) return false;
    for (const key of POINT_OPTIONAL_NUMBERS) if (!isOptionalNumber((point as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** Why a whole message was refused; the names match the tRPC error codes for the same cases. */
export type PositionSocketErrorCode = "BAD_REQUEST" | "TOO_MANY_REQUESTS" | "SERVICE_UNAVAILABLE" | "INTERNAL_SERVER_ERROR";

/** Every message the server sends on a position socket. */
export type PositionSocketReply =
  | { type: "ready"; driverId: number }
  | { type: "synced"; seq: number }
  | { type: "rejected"; seq: number; rejected: Rejection[] }
  | { type: "error"; seq: number | null; code: PositionSocketErrorCode; message: string };
