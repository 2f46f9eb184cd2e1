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
} from "@convoy/client";
import type { OfferEvent } from "@convoy/api";
import type { LatLng } from "@convoy/api/schemas";
import type { SimulatorEnv } from "./env";
import { DEMO_CITY } from "@convoy/db/demo";
import { advance, gridRoute, randomPointNear } from "@convoy/ui/simulatedRoute";

/** What the driver is doing: roaming, or working a trip towards its next stop. */
type Errand = { kind: "roam" } | { kind: "trip"; tripId: number; stops: { place: LatLng; arrive: () => Promise<void> }[] };

type TripStep = RouterInputs["trips"]["updateStatus"]["status"];

const log = (driver: string, message: string) => process.stdout.write(`${driver}: ${message}\n`);

/**
 * One fake driver, driven only through `@convoy/client`: logs in, goes available, moves
 * along grid routes at 1 Hz (reporting over the position socket, as the fleet does), answers
 * offers, and works the trips it wins.
 */
export class SimulatedDriver {
  private client: ConvoyClient | null = null;
  private reporter: PositionReporter | null = null;
  private session: ConvoySession | null = null;
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
    await anonymous.close();
    // Access tokens are short: the session refreshes them for both sockets.
    const session = (this.session = createConvoySession({ url: this.env.CONVOY_API_URL, initial: signedIn }));
    this.client = createConvoyClient({ url: this.env.CONVOY_API_URL, session, WebSocket, lazy: false });
    this.reporter = createPositionReporter({ url: this.env.CONVOY_API_URL, getToken: () => session.getToken(), WebSocket });
    this.reporter.onProblem((problem) => log(this.email, `warning: ${problem.kind === "error" ? problem.message : problem.rejected[0]?.reason}`));
    const me = await this.client.api.drivers.byId.query({ driverId: user.id });
    if (me.position) this.position = me.position;
    await this.client.api.drivers.setAvailability.mutate({ availability: "available" }).catch(() => undefined);
    this.client.api.offers.events.subscribe(
      {},
      {
        onData: (item) => void this.onOfferEvent(item.data).catch((error: unknown) => this.warn(error)),
        onError: (error) => this.warn(error),
      },
    );
    this.timer = setInterval(() => void this.tick().catch((error: unknown) => this.warn(error)), this.env.SIM_TICK_MS);
    log(this.email, "on the road");
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // The last positions reach the server before the sockets go.
    await this.reporter?.flush().catch((error: unknown) => this.warn(error));
    this.reporter?.close();
    this.session?.close();
    await this.client?.close();
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
      await this.api.offers.markViewed.mutate({ offerId }).catch(() => undefined);
      const accept = this.errand.kind === "roam" && Math.random() < this.env.SIM_ACCEPT_PROBABILITY;
      await this.api.offers.respond
        .mutate(accept ? { offerId, action: "accept" } : { offerId, action: "reject" })
        .then(() => log(this.email, `${accept ? "accepted" : "rejected"} offer ${offerId}`))
        .catch(() => undefined); // Another driver won, or it expired: both are normal here.
    } else if (event.type === "offer.won") {
      const offer = await this.api.offers.byId.query({ offerId: event.offerId });
      log(this.email, `won offer ${event.offerId}; heading to pickup`);
      this.beginTrip(event.tripId, offer.pickup, offer.dropoff);
    }
  }

  /** Moves the trip on; asking for the status it already has (automatic arrival) is a no-op. */
  private async setTripStatus(tripId: number, status: TripStep): Promise<void> {
    await this.api.trips.updateStatus.mutate({ tripId, status }).catch((error: unknown) => this.warn(error));
  }

  /** Drives to the pickup, then the dropoff, moving the trip through its statuses. */
  private beginTrip(tripId: number, pickup: LatLng, dropoff: LatLng) {
    const advanceTrip = (status: TripStep) => () => this.setTripStatus(tripId, status);
    this.errand = {
      kind: "trip",
      tripId,
      stops: [
        { place: pickup, arrive: advanceTrip("arrived") },
        { place: dropoff, arrive: advanceTrip("completed") },
      ],
    };
    void advanceTrip("en_route")();
    this.route = gridRoute(this.position, pickup);
  }

  private async tick(): Promise<void> {
    if (this.busy || !this.client) return;
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
    if (this.errand.kind === "trip") {
      const stop = this.errand.stops.shift();
      if (stop) {
        await stop.arrive();
        const next = this.errand.stops[0];
        if (next) {
          // Pick up the load or rider, then drive on.
          await this.setTripStatus(this.errand.tripId, "in_progress");
          this.route = gridRoute(this.position, next.place);
          return;
        }
      }
      log(this.email, `finished trip ${this.errand.tripId}`);
      this.errand = { kind: "roam" };
    }
    this.route = gridRoute(this.position, randomPointNear(DEMO_CITY, 8_000));
  }
}
