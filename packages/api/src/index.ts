export { appRouter, type AppRouter, type RouterInputs, type RouterOutputs } from "./root";
export { createContext, type Context } from "./trpc";
export { shareJson, sharedJsonEncoder } from "./lib/sharedJson";
export type { ApiServices } from "./services";
export { createTokenService, type TokenService, type Session } from "./auth/tokens";
export { SessionRegistry, SESSION_ENDED_CLOSE_CODE } from "./auth/sessionRegistry";
export type { LogoutMessage } from "./events/channels";
export { createInProcessBus, type Bus } from "./events/bus";
export { channels } from "./events/channels";
export { createRedisBus, type RedisBus, type RedisBusOptions } from "./events/redisBus";
export { EventPump, type PumpInterest, type PumpSubscription } from "./events/pump";
export { createRateLimits, type RateLimitSettings, type RateLimits } from "./lib/rateLimits";
export type { StoredEvent } from "./events/types";
export { loginInputSchema } from "./routers/auth";
export { TypingTracker, TYPING_TTL_MS } from "./chat/typing";
export { postSystemMessage } from "./chat/messages";
export { sendMessageInputSchema, type ChatStreamEvent } from "./routers/chat";
export {
  TrackingService,
  type TrackingOptions,
  type PositionReport,
  type PositionReportListener,
  type TripIdResolver,
} from "./tracking/service";
export { publishAvailability } from "./tracking/messages";
export type { LivePosition } from "./tracking/latestPositions";
export { applyFleetFrame, type FleetDriver, type FleetDriverChange, type FleetFrame, type FleetPositionChange } from "./tracking/fleetTypes";
export {
  reportInputSchema,
  MAX_POINTS_PER_REPORT,
  MAX_CLOCK_SKEW_MS,
  MAX_POINT_AGE_MS,
  type ReportedPoint,
  type Rejection,
} from "./tracking/points";
export { PositionSockets, type DriverSocket, type PositionSocketOptions } from "./tracking/positionSockets";
export {
  POSITION_SOCKET_PATH,
  POSITION_SOCKET_MAX_PAYLOAD_BYTES,
  POSITION_SOCKET_CLOSE,
  type PositionSocketMessage,
  type PositionSocketReply,
  type PositionSocketErrorCode,
} from "./tracking/positionSocketProtocol";
export { PresenceService, type PresenceOptions } from "./presence/service";
export type { PresenceChange, PresenceEntry, PresenceEvent } from "./presence/types";
export {
  createOfferInputSchema,
  respondInputSchema,
  acceptCounterInputSchema,
  listOffersInputSchema,
  MAX_OFFER_RECIPIENTS,
  OFFER_EXPIRY_SECONDS,
} from "./offers/schemas";
export { sweepExpiredOffers, startOfferSweeper, type OfferSweeper } from "./offers/sweeper";
export { RECIPIENT_TRANSITIONS, type RecipientAction } from "./offers/recipientStates";
export type { OfferEvent, OfferEventPayload, OfferEventType } from "./offers/offerEvents";
export type { OfferDetail, OfferListItem, OfferPage, OfferSummary, OfferView, RecipientView } from "./offers/views";
export { TripService } from "./trips/service";
export type { TripOptions } from "./trips/settings";
export {
  requestTripInputSchema,
  updateTripStatusInputSchema,
  cancelTripInputSchema,
  rateTripInputSchema,
  listTripsInputSchema,
} from "./trips/schemas";
export { TRIP_TRANSITIONS, DRIVER_STATUSES, type DriverStatus } from "./trips/statusMachine";
export { estimateFareCents } from "./trips/fare";
export type { TripEvent, TripEventPayload, TripEventType } from "./trips/tripEvents";
export type { TripView, TripPage, TripDriver } from "./trips/views";
export type { TripTrackingFrame } from "./trips/tripWatch";
