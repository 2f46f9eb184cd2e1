import WebSocket from "ws";
import {
  createConvoyClient,
  createPositionReporter,
  TRPCClientError,
  createConvoySession,
  type ConvoyClient,
  type ConvoySession,
  type PositionReporter,
  type RouterInputs,
  toEndReason,
  uploadProof,
} from "@convoy/client";
import type { OfferEvent, TripEvent } from "@convoy/api";
import type { LatLng } from "@convoy/api/schemas";
import type { SimulatorEnv } from "./env";
import { DEMO_CITY } from "@convoy/db/demo";
import { advance, gridRoute, randomPointNear } from "@convoy/ui/simulatedRoute";
import { cancelTripsOf } from "./handBack";

/** What the driver is doing: roaming, or working a trip towards its next stop. */
type Errand = { kind: "roam" } | { kind: "trip"; tripId: number; stops: { place: LatLng; arrive: () => Promise<void> }[] };

type TripStep = RouterInputs["trips"]["updateStatus"]["status"];

/** Where a trip stands when this driver takes it on. */
type TripStatus = TripEvent["trip"]["status"];
const ACTIVE_STATUSES: readonly TripStatus[] = ["assigned", "en_route", "arrived", "in_progress"];

/**
 * A 1×1 grey PNG: the simulator's photo of every delivered load and its recipient's
 * signature, so a load it drives completes with proof of delivery like a person's.
 */
const PROOF_IMAGE = Uint8Array.from(
  Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==", "base64"),
);

const log = (driver: string, message: string) => process.stdout.write(`${driver}: ${message}\n`);

/** What the position socket's close reason means for a person reading the log. */
function describeClose(reason: string | null): string {
  if (reason?.includes("newer position socket")) return "someone else signed in as this driver and took over its position socket";
  if (toEndReason(reason) !== "unauthorized") return `its session ended (${reason})`;
  return `its position socket closed for good (${reason ?? "no reason given"})`;
}

/**
 * One fake driver, driven only through `@convoy/client`: logs in, goes available, moves
 * along grid routes at 1 Hz (reporting over the position socket, as the fleet does), answers
 * offers, and works the trips it wins.
 *
 * It gives the account up when it can no longer drive it: someone else signed in as the
 * driver (their position socket replaces this one), or its session ended. Then it stops
 * answering and moving, says so on stdout ("sim3@convoy.test: letting go: …"), and has its
 * active trip cancelled with that reason, so no trip waits for a driver that is not coming.
 */
export class SimulatedDriver {
  private client: ConvoyClient | null = null;
  private reporter: PositionReporter | null = null;
  private session: ConvoySession | null = null;
  private userId: number | null = null;
  /** Ends the offer and trip streams. */
  private stopStreams: (() => void) | null = null;
  /** Set once the simulator stops driving this account, by `stop` or by letting go. */
  private released = false;
  /** The hand-back after letting go, so `stop` can wait for it. */
  private handingBack: Promise<void> | null = null;
  private position: LatLng = randomPointNear(DEMO_CITY, 8_000);
  private route: LatLng[] = [];
  /** Direction of travel in degrees from north, kept while standing still. */
  private headingDeg = 0;
  private errand: Errand = { kind: "roam" };
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly email: string,
    private readonly env: SimulatorEnv,
  ) {}

  async start(): Promise<void> {
    const anonymous = createConvoyClient({ url: this.env.CONVOY_API_URL, WebSocket });
    const signedIn = await anonymous.api.auth.login.mutate({ email: this.email, password: this.env.SIM_DRIVER_PASSWORD });
    const { user } = signedIn;
    this.userId = user.id;
    await anonymous.close();
    // Access tokens are short: the session refreshes them for both sockets.
    const session = (this.session = createConvoySession({ url: this.env.CONVOY_API_URL, initial: signedIn }));
    this.client = createConvoyClient({ url: this.env.CONVOY_API_URL, session, WebSocket, lazy: false });
    this.reporter = createPositionReporter({ url: this.env.CONVOY_API_URL, getToken: () => session.getToken(), WebSocket });
    this.reporter.onProblem((problem) => log(this.email, `warning: ${problem.kind === "error" ? problem.message : problem.rejected[0]?.reason}`));
    // The reporter closes for good only when a retry cannot help: replaced or refused.
    const reporter = this.reporter;
    reporter.onStateChange((state) => {
      if (state === "closed") this.letGo(describeClose(reporter.closeReason));
    });
    this.client.onSessionEnded((ended) => this.letGo(`its session ended (${ended.reason})`));
    const me = await this.client.api.drivers.byId.query({ driverId: user.id });
    if (me.position) this.position = me.position;
    await this.client.api.drivers.setAvailability.mutate({ availability: "available" }).catch(() => undefined);
    const offers = this.client.api.offers.events.subscribe(
      {},
      {
        onData: (item) => void this.onOfferEvent(item.data).catch((error: unknown) => this.warn(error)),
        onError: (error) => this.warn(error),
      },
    );
    const trips = this.client.api.trips.events.subscribe(
      {},
      {
        onData: (item) => this.onTripEvent(item.data),
        onError: (error) => this.warn(error),
      },
    );
    this.stopStreams = () => {
      offers.unsubscribe();
      trips.unsubscribe();
    };
    if (this.released) {
      // Taken over while starting.
      this.stopStreams();
      return;
    }
    // A trip left from a run that was killed mid-trip: drive it on from where it stands.
    if (me.currentTrip) await this.resume(me.currentTrip.id);
    this.timer = setInterval(() => void this.tick().catch((error: unknown) => this.warn(error)), this.env.SIM_TICK_MS);
    log(this.email, "on the road");
  }

  /**
   * Stops driving: the last positions reach the server, a trip under way is cancelled (nobody
   * would drive it on), and the driver goes offline so nothing more is offered to them.
   */
  async stop(): Promise<void> {
    if (this.released) {
      await this.handingBack;
      return;
    }
    this.released = true;
    this.halt();
    await this.reporter?.flush().catch((error: unknown) => this.warn(error));
    this.reporter?.close();
    if (this.errand.kind === "trip") await this.handBack("the simulator stopped");
    await this.client?.api.drivers.setAvailability.mutate({ availability: "offline" }).catch(() => undefined);
    this.session?.close();
    await this.client?.close();
  }

  /** Stops the timer and the streams: nothing this driver does from here on. */
  private halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopStreams?.();
    this.stopStreams = null;
  }

  /**
   * Gives the account up for good, once: someone else has it now, or it can no longer act.
   * Logs why, closes this driver's sockets without touching the account (it is someone
   * else's now), and cancels its active trip.
   */
  private letGo(reason: string): void {
    if (this.released) return;
    this.released = true;
    log(this.email, `letting go: ${reason}`);
    this.halt();
    this.reporter?.close();
    this.session?.close();
    const client = this.client;
    this.handingBack = (async () => {
      await client?.close();
      await this.handBack(`${this.email} was taken off the simulator: ${reason}`);
    })();
  }

  /** Cancels this driver's active trips, as a dispatcher, and logs what became of them. */
  private async handBack(reason: string): Promise<void> {
    if (this.userId === null) return;
    try {
      const cancelled = await cancelTripsOf(this.env, this.userId, reason.slice(0, 255));
      log(this.email, cancelled.length > 0 ? `cancelled trip ${cancelled.join(", ")} (nobody drives it now)` : "had no trip under way");
    } catch (error) {
      this.warn(error);
      log(this.email, "could not cancel its trip; a dispatcher must cancel it");
    }
    this.errand = { kind: "roam" };
  }

  private warn(error: unknown) {
    const message = error instanceof TRPCClientError || error instanceof Error ? error.message : String(error);
    log(this.email, `warning: ${message}`);
  }

  private get api() {
    if (!this.client) throw new Error("not started");
    return this.client.api;
  }

  private async onOfferEvent(event: OfferEvent): Promise<void> {
    if (event.type === "offer.received") {
      const offerId = event.offerId;
      // A human takes a moment to read an offer.
      await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 3_000));
      if (this.released) return;
      await this.api.offers.markViewed.mutate({ offerId }).catch(() => undefined);
      const accept = this.errand.kind === "roam" && Math.random() < this.env.SIM_ACCEPT_PROBABILITY;
      await this.api.offers.respond
        .mutate(accept ? { offerId, action: "accept" } : { offerId, action: "reject" })
        .then(() => log(this.email, `${accept ? "accepted" : "rejected"} offer ${offerId}`))
        .catch(() => undefined); // Another driver won, or it expired: both are normal here.
    } else if (event.type === "offer.won") {
      // The trip's own event (`trip.assigned`) sets off for the pickup.
      log(this.email, `won offer ${event.offerId} (trip ${event.tripId})`);
    }
  }

  /** Drives a trip this driver already has, unless the trip stream started it meanwhile. */
  private async resume(tripId: number): Promise<void> {
    const trip = await this.api.trips.byId.query({ tripId });
    if (this.errand.kind !== "roam" || !ACTIVE_STATUSES.includes(trip.status)) return;
    log(this.email, `resuming trip ${trip.id} (${trip.status})`);
    this.beginTrip(trip, trip.status);
  }

  private isOnTrip(tripId: number): boolean {
    return this.errand.kind === "trip" && this.errand.tripId === tripId;
  }

  /**
   * Drives the trips this driver gets (won, or handed to it by a dispatcher) from where
   * they stand, and drops one a dispatcher cancels or hands to another driver.
   */
  private onTripEvent(event: TripEvent): void {
    if (this.released) return;
    const { trip } = event;
    const mine = trip.driver?.id === this.userId && ACTIVE_STATUSES.includes(trip.status);
    if (mine && this.errand.kind === "roam") {
      log(
        this.email,
        `driving trip ${trip.id} (${trip.status}), ${trip.status === "assigned" || trip.status === "en_route" ? "to the pickup" : "to the dropoff"}`,
      );
      this.beginTrip(trip, trip.status);
    } else if (!mine && this.isOnTrip(trip.id) && trip.status !== "completed") {
      // Completing is this driver's own move; `nextLeg` finishes the errand.
      log(this.email, `trip ${trip.id} ${trip.status === "cancelled" ? "was cancelled" : "went to another driver"}; roaming again`);
      this.errand = { kind: "roam" };
      this.route = [];
    }
  }

  /** Uploads a photo and a signature for the load and hands them in, as a driver does at the dropoff. */
  private async handInProof(tripId: number): Promise<void> {
    try {
      const token = (await this.session?.getToken()) ?? "";
      const upload = (kind: "photo" | "signature") => uploadProof({ url: this.env.CONVOY_API_URL, token, tripId, kind, body: PROOF_IMAGE });
      const [photo, signature] = [await upload("photo"), await upload("signature")];
      await this.api.proofs.submit.mutate({ tripId, recipientName: "Dock clerk", photoFileId: photo.fileId, signatureFileId: signature.fileId });
    } catch (error) {
      this.warn(error);
    }
  }

  /** Moves the trip on; asking for the status it already has (automatic arrival) is a no-op. */
  private async setTripStatus(tripId: number, status: TripStep): Promise<void> {
    await this.api.trips.updateStatus.mutate({ tripId, status }).catch((error: unknown) => this.warn(error));
  }

  /**
   * Drives to the pickup, then the dropoff, moving the trip through its statuses from
   * `status` on: a trip already at or past the pickup goes straight to the dropoff.
   */
  private beginTrip(trip: TripEvent["trip"], status: TripStatus) {
    const { id: tripId, pickup, dropoff } = trip;
    const advanceTrip = (next: TripStep) => () => this.setTripStatus(tripId, next);
    const atPickup = status === "arrived" || status === "in_progress";
    const deliver = async () => {
      if (trip.kind === "load") await this.handInProof(tripId);
      await advanceTrip("completed")();
    };
    const toDropoff = { place: dropoff, arrive: deliver };
    this.errand = { kind: "trip", tripId, stops: atPickup ? [toDropoff] : [{ place: pickup, arrive: advanceTrip("arrived") }, toDropoff] };
    if (status === "assigned") void advanceTrip("en_route")();
    if (status === "arrived") void advanceTrip("in_progress")();
    this.route = gridRoute(this.position, atPickup ? dropoff : pickup);
  }

  private async tick(): Promise<void> {
    if (this.busy || !this.client || this.released) return;
    this.busy = true;
    try {
      if (this.route.length === 0) await this.nextLeg();
      const step = advance(this.position, this.route, (this.env.SIM_SPEED_MPS * this.env.SIM_TICK_MS) / 1000);
      this.position = step.position;
      this.route = step.remaining;
      this.headingDeg = step.headingDeg ?? this.headingDeg;
      this.reporter?.report({
        lat: this.position.lat,
        lng: this.position.lng,
        accuracyM: 5,
        headingDeg: this.headingDeg,
        speedMps: this.env.SIM_SPEED_MPS,
        recordedAt: Date.now(),
      });
    } finally {
      this.busy = false;
    }
  }

  private async nextLeg(): Promise<void> {
    const errand = this.errand;
    if (errand.kind === "trip") {
      const stop = errand.stops.shift();
      if (stop) {
        // Arriving and completing are checked against the position the server holds: it
        // must have this driver's last point first.
        await this.reporter?.flush().catch((error: unknown) => this.warn(error));
        await stop.arrive();
        // Cancelled or handed to another driver meanwhile: `onTripEvent` set a new errand.
        if (this.errand !== errand) return;
        const next = errand.stops[0];
        if (next) {
          // Pick up the load or rider, then drive on.
          await this.setTripStatus(errand.tripId, "in_progress");
          this.route = gridRoute(this.position, next.place);
          return;
        }
      }
      log(this.email, `finished trip ${errand.tripId}`);
      this.errand = { kind: "roam" };
    }
    this.route = gridRoute(this.position, randomPointNear(DEMO_CITY, 8_000));
  }
}
