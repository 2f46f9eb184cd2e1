import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { TripEvent, TripView } from "@convoy/api";
import { tripWords } from "@convoy/api/schemas";
import {
  geolocationProblem,
  TRACKABLE_TRIP_STATUSES,
  trpc,
  usePositionReporter,
  useSignedInUser,
  type GeolocationProblem,
  type LatLng,
  type ReportedPoint,
} from "@convoy/ui";
import { advance, demoStart, distanceMetres, gridRoute } from "@convoy/ui/simulatedRoute";
import { usePointSink } from "./offline/offlineContext";

/** How fast the demo drive goes: 14 m/s, about 50 km/h. */
export const SIMULATED_SPEED_MPS = 14;
/** The demo drive moves once a second, like a phone's GPS. */
const SIMULATION_TICK_MS = 1_000;

/**
 * Where the phone's location stands: `off` while the driver is offline (nothing is shared),
 * `waiting` for the first fix, `on` while fixes arrive, or the problem that stops it.
 */
export type SharingState = { kind: "off" } | { kind: "waiting" } | { kind: "on" } | { kind: "problem"; problem: GeolocationProblem };

/** Something dispatch, the rider or the server did to the driver's trip that the driver must notice. */
export interface TripNotice {
  tripId: number;
  kind: "reassigned_away" | "reassigned_to_me" | "cancelled" | "arrived";
  text: string;
}

export interface DriverLive {
  /** The trip the driver is on (assigned through in progress), or null. */
  activeTrip: TripView | null;
  /** Whether `activeTrip` is the server's answer yet (null before it is "not known", not "no trip"). */
  tripLoaded: boolean;
  /** The newest change someone else made to the driver's trip, until dismissed. */
  notice: TripNotice | null;
  dismissNotice: () => void;
  /** The driver's newest position: a GPS fix, a simulated step, or what the server last knew. */
  position: LatLng | null;
  sharing: SharingState;
  simulate: boolean;
  setSimulate: (on: boolean) => void;
  /** Asks for the position again, e.g. after the driver allowed location access. */
  retrySharing: () => void;
}

const DriverLiveContext = createContext<DriverLive | null>(null);

/** The live state of the driver's trip and location, from `<DriverLiveProvider>`. */
export function useDriverLive(): DriverLive {
  const live = useContext(DriverLiveContext);
  if (!live) throw new Error("useDriverLive must be used inside <DriverLiveProvider>");
  return live;
}

/** Where a driver on `trip` is heading: the pickup until they arrive, then the dropoff. */
export function tripTarget(trip: TripView | null): { kind: "pickup" | "dropoff"; point: LatLng } | null {
  if (!trip) return null;
  if (trip.status === "assigned" || trip.status === "en_route") return { kind: "pickup", point: trip.pickup };
  if (trip.status === "arrived" || trip.status === "in_progress") return { kind: "dropoff", point: trip.dropoff };
  return null;
}

/** What to tell the driver about `event`, or null when it is their own doing or routine; the automatic arrival is said, since nothing was pressed. */
function noticeFor(event: TripEvent, me: number): TripNotice | null {
  const title = tripWords(event.trip.kind).title(event.tripId);
  const why = (reason: string | null) => (reason ? `: ${reason}` : "");
  if (event.type === "trip.reassigned" && event.fromDriverId === me) {
    return { tripId: event.tripId, kind: "reassigned_away", text: `Dispatch handed ${title} to another driver${why(event.reason)}` };
  }
  if (event.type === "trip.reassigned" && event.toDriverId === me) {
    return {
      tripId: event.tripId,
      kind: "reassigned_to_me",
      text: `Dispatch handed ${title} to you: head to the ${event.trip.status === "in_progress" ? "dropoff" : "pickup"}`,
    };
  }
  if (event.type === "trip.status_changed" && event.automatic && event.to === "arrived") {
    return { tripId: event.tripId, kind: "arrived", text: `You reached the pickup, so ${title} is marked arrived: no need to press anything` };
  }
  if (event.type === "trip.cancelled" && event.by !== "system") {
    return { tripId: event.tripId, kind: "cancelled", text: `${title} was cancelled by the ${event.by}${why(event.reason)}` };
  }
  return null;
}

/**
 * For the whole signed-in driver app, whatever screen is open: follows the driver's trips
 * (`trips.events`), shares the phone's position while the driver is available or busy
 * (`watchPosition` → the position socket, which queues while offline), and, when "Simulate movement" is on,
 * drives toward the trip's pickup and then its dropoff along a street grid at 1 Hz instead.
 */
export function DriverLiveProvider({ children }: { children: ReactNode }) {
  const me = useSignedInUser();
  const utils = trpc.useUtils();
  const details = trpc.drivers.byId.useQuery({ driverId: me.id });
  const active = trpc.trips.list.useQuery({ status: [...TRACKABLE_TRIP_STATUSES], limit: 1 });
  const activeTrip = active.data?.items[0] ?? null;
  const [notice, setNotice] = useState<TripNotice | null>(null);

  trpc.trips.events.useSubscription(undefined, {
    onData: ({ data: event }) => {
      utils.trips.byId.setData({ tripId: event.tripId }, event.trip);
      void utils.trips.list.invalidate();
      // Winning a ride or being handed a trip makes the driver busy; completing or losing it frees them.
      if (
        event.type === "trip.assigned" ||
        event.type === "trip.reassigned" ||
        event.trip.status === "completed" ||
        event.trip.status === "cancelled"
      ) {
        void utils.drivers.byId.invalidate({ driverId: me.id });
      }
      const next = noticeFor(event, me.id);
      if (next) setNotice(next);
    },
  });

  const reporter = usePositionReporter();
  // With no network the fixes are kept on the phone (they would not survive a reload in the reporter).
  const report = usePointSink(reporter && ((point) => reporter.report(point)));

  const [simulate, setSimulate] = useState(false);
  const [fix, setFix] = useState<LatLng | null>(null);
  const [simulated, setSimulated] = useState<LatLng | null>(null);
  const [sharing, setSharing] = useState<SharingState>({ kind: "off" });
  const [attempt, setAttempt] = useState(0);

  const availability = details.data?.availability;
  const shareReal = !simulate && availability !== undefined && availability !== "offline";
  useEffect(() => {
    if (!shareReal) {
      setSharing({ kind: "off" });
      return;
    }
    if (!("geolocation" in navigator)) {
      setSharing({ kind: "problem", problem: "unsupported" });
      return;
    }
    setSharing({ kind: "waiting" });
    const watch = navigator.geolocation.watchPosition(
      ({ coords, timestamp }) => {
        setSharing({ kind: "on" });
        setFix({ lat: coords.latitude, lng: coords.longitude });
        report(fixPoint(coords, timestamp));
      },
      (error) => {
        const problem = geolocationProblem(error);
        // A slow first fix is not a failure: the watch keeps going.
        setSharing(problem === "timeout" ? { kind: "waiting" } : { kind: "problem", problem });
      },
      { enableHighAccuracy: true, maximumAge: 5_000, timeout: 30_000 },
    );
    return () => navigator.geolocation.clearWatch(watch);
  }, [shareReal, report, attempt]);

  const serverPosition = details.data?.position ?? null;
  const position = simulate ? (simulated ?? fix ?? serverPosition) : (fix ?? serverPosition);

  // The simulation reads the newest values through refs so its 1 Hz timer never restarts.
  const target = tripTarget(activeTrip);
  const latest = useRef({ target, start: position });
  latest.current = { target, start: position };
  useEffect(() => {
    if (!simulate) return;
    let here: LatLng | null = null;
    let routeFor: LatLng | null = null;
    let route: LatLng[] = [];
    const timer = setInterval(() => {
      const goal = latest.current.target?.point ?? null;
      if (!goal) return;
      here ??= latest.current.start ?? demoStart(goal);
      if (!routeFor || routeFor.lat !== goal.lat || routeFor.lng !== goal.lng) {
        routeFor = goal;
        route = gridRoute(here, goal);
      }
      if (distanceMetres(here, goal) < 1) return;
      const step = advance(here, route, (SIMULATED_SPEED_MPS * SIMULATION_TICK_MS) / 1_000);
      here = step.position;
      route = step.remaining;
      setSimulated(here);
      report({
        lat: here.lat,
        lng: here.lng,
        recordedAt: Date.now(),
        accuracyM: 5,
        headingDeg: step.headingDeg,
        speedMps: SIMULATED_SPEED_MPS,
      });
    }, SIMULATION_TICK_MS);
    return () => clearInterval(timer);
  }, [simulate, report]);

  const value = useMemo<DriverLive>(
    () => ({
      activeTrip,
      tripLoaded: active.data !== undefined,
      notice,
      dismissNotice: () => setNotice(null),
      position,
      sharing,
      simulate,
      setSimulate,
      retrySharing: () => setAttempt((n) => n + 1),
    }),
    [activeTrip, active.data, notice, position, sharing, simulate],
  );
  return <DriverLiveContext.Provider value={value}>{children}</DriverLiveContext.Provider>;
}

/** A GPS fix as a report point; negative or missing readings are left out (unknown). */
function fixPoint(coords: GeolocationCoordinates, timestamp: number): ReportedPoint {
  const known = (value: number | null) => (value === null || Number.isNaN(value) || value < 0 ? null : value);
  return {
    lat: coords.latitude,
    lng: coords.longitude,
    recordedAt: Math.round(timestamp),
    accuracyM: known(coords.accuracy),
    headingDeg: known(coords.heading),
    speedMps: known(coords.speed),
  };
}
