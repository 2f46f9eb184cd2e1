export { ConvoyProvider, type ConvoyProviderProps } from "./convoyProvider";
export { AuthGate, UnreachableCard, type AuthGateProps } from "./authGate";
export { LoginScreen, type LoginScreenProps } from "./loginScreen";
export { AppShell, LogoutButton, type AppShellProps } from "./appShell";
export { ConnectionBadge, useConnectionStatus, type ConnectionStatus } from "./connectionBadge";
export { ToastProvider, useToast, type ShowToast, type ToastOptions, type ToastTone } from "./toasts";
export { useSession, useSignedInUser, type AuthState, type Session } from "./session";
export { errorCode, errorMessage, isUnauthorized, wrongRoleMessage } from "./errors";
export { skipToken, trpc, type Role, type SignedInUser } from "./trpc";
export type { AppName } from "./session";
export {
  availabilityLabel,
  formatClock,
  formatCountdown,
  formatDimensions,
  formatDistance,
  formatMoney,
  formatPayload,
  formatTime,
  messagePreview,
  offerStatusLabel,
  parseDollars,
  recipientStatusLabel,
  vehicleLabel,
  type Availability,
  type OfferStatus,
  type RecipientStatus,
  type VehicleType,
} from "./format";
export { haversineKm, toLatLng, type LatLng } from "./geo";
export { idSegment, useHashRoute } from "./hashRoute";
export { useNow } from "./useNow";
export { feedPausedSince, feedUpdated, type FeedTimes } from "./feedPause";
export { offerKindLabel, offerRef, PLACE_WORDS, tripRef } from "./words";
export { PlaceKey } from "./placeKey";
export { usePositionReporter, type PositionReporter, type ReportedPoint } from "./positionReporter";
export { newIdempotencyKey } from "./idempotencyKey";
export { useUploadProof } from "./proofUpload";
export { Modal, type ModalProps } from "./modal";
export { ShareTracking, trackingLinkUrl, type ShareTrackingProps } from "./trackingLinks";
export { AddressSearch, type AddressSearchProps } from "./addressSearch";
export { NotificationsToggle, usePushNotifications, type PushState } from "./push/pushNotifications";
export { UnreadBadge } from "./unreadBadge";
export { LiveEventsProvider, useChatEvents, useChatStore, useChatStoreVersion, useOfferEvents, useUnseenMessages } from "./liveEvents";
export { ChatWindow, TYPING_REFRESH_MS, type ChatWindowProps } from "./chat/chatWindow";
export { useThread, unreadIn, HISTORY_PAGE_SIZE, type ChatUserRef, type ThreadView } from "./chat/useThread";
export type { ChatMessage, ChatRole, ReadCursors, ThreadRef } from "./chat/chatStore";
export { ConvoyMap } from "./map/lazyMap";
export { usePlannedTripLine } from "./map/plannedRoute";
export type { AreaShape, AreaTone, ConvoyMapProps, LineTone, MapArea, MapClustering, MapFit, MapLine, MapMarker, MarkerTone } from "./map/convoyMap";
export { GeolocationFailure, geolocationMessage, geolocationProblem, locateOnce, type GeolocationProblem } from "./map/geolocation";
export {
  formatDriverRating,
  formatEta,
  formatEtaWithSource,
  formatShortDistance,
  isOpenTrip,
  isTrackableTrip,
  NO_DRIVER_REASON,
  OPEN_TRIP_STATUSES,
  TRACKABLE_TRIP_STATUSES,
  tripStatusLabel,
  type TripStatus,
} from "./tripFormat";
