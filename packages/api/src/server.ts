/**
 * `@convoy/api/server`: what a server process (and the tests and benchmark that start one)
 * needs: the router, the context, the service graph, the buses, and the drivers' position
 * sockets. Node only.
 */
export { appRouter } from "./root";
export { createContext, type Context, type HttpExchange } from "./trpc";
export {
  callError,
  directMutationsOf,
  directSubscriptionsOf,
  openDirectSubscription,
  runDirectMutation,
  type DirectOpening,
  type DirectOutcome,
  type DirectStreams,
} from "./directProcedures";
export { createServices, type ConvoyServices, type ServiceObservers, type ServicesConfig } from "./createServices";
export type { CallTransport } from "./lib/callStats";
export type { ApiServices } from "./services";
export { shareJson, sharedJsonEncoder } from "./lib/sharedJson";
export { SocketBacklog, BACKLOG_CLOSE_CODE, type ConnectionBacklog, type SocketBacklogOptions } from "./lib/socketBacklog";
export type { RateLimitSettings } from "./lib/rateLimits";
export { createTokenService, type TokenServiceOptions } from "./auth/tokens";
export { SESSION_ENDED_CLOSE_CODE, TOKEN_EXPIRED_CLOSE_CODE, type Session, type SessionRegistryOptions } from "./auth/sessionRegistry";
export { createSession, sessionsOfUser } from "./auth/sessionStore";
export { ApiKeyRegistry, type ApiKeyOptions } from "./apiKeys/keyRegistry";
export { parseCookies } from "./auth/refreshCookie";
export { TokenBucket } from "./lib/tokenBucket";
export { createInProcessBus, type Bus } from "./events/bus";
export { channels, type BusMessages, type Channel } from "./events/channels";
export { createRedisBus, type RedisBus, type RedisBusOptions } from "./events/redisBus";
export type { EventPump, PumpInterest, PumpSubscription } from "./events/pump";
export type { StreamSink } from "./events/openStream";
export type { NewEvent, StoredEvent } from "./events/types";
export { appendEvents, latestEventId, readAllEventsAfter } from "./events/eventLog";
export { GroupCommit, type BatchWrite, type GroupCommitOptions } from "./events/groupCommit";
export { ThreadDirectory } from "./chat/threadDirectory";
export { sweepExpiredOffers } from "./offers/sweeper";
export type { TrackingOptions } from "./tracking/service";
export type { TripOptions } from "./trips/settings";
export type { TrackingLinkOptions } from "./trackingLinks/settings";
export type { PlaceOptions } from "./places/service";
export { createGeocoder, GeocoderUnavailableError, type Geocoder, type GeocoderKind, type GeocoderOptions } from "./geocoding/geocoder";
export { PushService, type PushOptions, type PushStats, type VapidKeys } from "./push/service";
export { PositionSockets, type PositionSocketOptions } from "./tracking/positionSockets";
export { checkProofUpload, findProofFile, storeProofFile } from "./proofs/upload";
export type { ProofOptions } from "./proofs/service";
export { sniffImageType } from "./proofs/imageType";
export { proofUploadQuerySchema, PROOF_FILES_PATH, PROOF_UPLOAD_PATH } from "./proofs/schemas";
export { spendMutationBudget } from "./trpc";
export type { StorageOptions } from "./storage/objectStorage";
export { POSITION_SOCKET_MAX_PAYLOAD_BYTES, POSITION_SOCKET_PATH } from "./tracking/positionSocketProtocol";
