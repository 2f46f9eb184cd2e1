/**
 * `@convoy/api`: the router's type and the types the apps and `@convoy/client` read. Types
 * only, so importing it puts no server code in a bundle. The server process imports
 * `@convoy/api/server`; browser-safe values (schemas, constants) come from `@convoy/api/schemas`.
 */
export type { AppRouter, RouterInputs, RouterOutputs } from "./root";
export type { Context } from "./trpc";
export type { SignedIn, PublicUser } from "./auth/login";
export type { SessionEndReason as ServerSessionEndReason } from "@convoy/db";
// Close codes as types, so the client can check its copies.
export type { SESSION_ENDED_CLOSE_CODE, TOKEN_EXPIRED_CLOSE_CODE } from "./auth/sessionRegistry";
export type { ChatStreamEvent } from "./routers/chat";
export type { OfferEvent } from "./offers/offerEvents";
export type { TripEvent, TripGuardOverride } from "./trips/tripEvents";
export type { TripHistoryEntry } from "./trips/history";
export type { PlaceEvent, PlaceEventPayload } from "./places/placeEvents";
export type { PlaceView } from "./places/views";
export type { GeocodeResult } from "./geocoding/geocoder";
export type { PlaceGeometry } from "@convoy/db";
export type { DeliveryProofView, ProofFileLink } from "./proofs/view";
export type { UploadedProofFile } from "./proofs/upload";
export type { TripView } from "./trips/views";
export type { TripTrackingFrame } from "./trips/tripWatch";
export type { EtaSource } from "./trips/eta";
export type { PublicTrackingFrame } from "./trackingLinks/publicWatch";
export type { TrackingLinkState, TrackingLinkView } from "./trackingLinks/store";
export type { ApiKeyView } from "./apiKeys/keyStore";
export type { PlannedRoute } from "./routing/plannedRoute";
export type { DriverStatus } from "./trips/statusMachine";
export type { LivePosition } from "./events/channels";
export type { FleetDriver, FleetFrame } from "./tracking/fleetTypes";
export type { PresenceEvent } from "./presence/types";
// The position socket's protocol; its constants as types, so the client can check its copies.
export type { MAX_POINTS_PER_REPORT, Rejection, ReportedPoint } from "./tracking/points";
export type {
  POSITION_SOCKET_CLOSE,
  POSITION_SOCKET_PATH,
  PositionSocketErrorCode,
  PositionSocketMessage,
  PositionSocketReply,
} from "./tracking/positionSocketProtocol";
