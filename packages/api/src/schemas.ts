/**
 * The zod schemas the apps' forms share with the server, behind `@convoy/api/schemas`.
 * Browser-safe: this module (and everything it imports) needs only zod and the database
 * enums, never a driver, a socket or `node:*`, so a Vite bundle can import it as a value.
 */
export {
  createOfferInputSchema,
  respondInputSchema,
  acceptCounterInputSchema,
  MAX_OFFER_RECIPIENTS,
  OFFER_EXPIRY_SECONDS,
  type CreateOfferInput,
  type RespondInput,
} from "./offers/schemas";
export {
  requestTripInputSchema,
  cancelTripInputSchema,
  rateTripInputSchema,
  reassignTripInputSchema,
  setArrivalRadiusInputSchema,
  setArrivalPlaceInputSchema,
  updateTripStatusInputSchema,
  ARRIVAL_RADIUS_RANGE_M,
  type RequestTripInput,
  type CancelTripInput,
  type RateTripInput,
} from "./trips/schemas";
export {
  createPlaceInputSchema,
  updatePlaceInputSchema,
  placeGeometrySchema,
  PLACE_LIMITS,
  type CreatePlaceInput,
  type UpdatePlaceInput,
} from "./places/schemas";
export { geocodeSearchInputSchema, GEOCODE_LIMITS } from "./geocoding/schemas";
export {
  submitProofInputSchema,
  waiveProofInputSchema,
  proofRequired,
  MAX_PROOF_FILE_BYTES,
  MAX_RECIPIENT_NAME_LENGTH,
  PROOF_UPLOAD_PATH,
  type SubmitProofInput,
  type WaiveProofInput,
} from "./proofs/schemas";
export { estimateFareCents } from "./trips/fare";
export { tripWords, type TripWords } from "./trips/words";
export { rideVehicleClasses, type RideVehicleClass } from "@convoy/db/schema";
export { haversineKm, type LatLng } from "./lib/geo";
export { formatCents } from "./lib/money";
export { ACTIVE_TRIP_STATUSES, OPEN_TRIP_STATUSES } from "./lib/tripStatuses";
export { applyFleetFrame } from "./tracking/fleetTypes";
export { reportInputSchema, MAX_POINTS_PER_REPORT } from "./tracking/points";
export { SESSION_END_MESSAGES, sessionEndedMessage } from "./auth/endReasons";
export { createTrackingLinkInputSchema, MAX_TRACKING_LINK_MINUTES, type CreateTrackingLinkInput } from "./trackingLinks/schemas";
