import type { HistogramData } from "./stats";

/**
 * How drivers send their positions: over the position socket (`createPositionReporter`, as
 * the driver app does: no answer per report), as `tracking.report` calls over their tRPC
 * WebSocket (`socketFor: "all"`), or as `tracking.report` HTTP requests.
 */
export type ReportTransport = "positions" | "socket" | "http";

/** A logged-in benchmark account, handed to worker processes. */
export interface Account {
  id: number;
  token: string;
}

/** A driver account and where it is when a run starts (null: unknown, start anywhere). */
export interface DriverStart extends Account {
  position: { lat: number; lng: number } | null;
}

/** Count of failed calls per tRPC error code (or "network" when there was no response). */
export type ErrorCounts = Record<string, number>;

/** A measurement window on the shared machine clock, epoch ms. */
export interface Window {
  start: number;
  end: number;
}

export interface FleetDriversRun {
  /** When the first report may go out, epoch ms. */
  startAt: number;
  /** Drivers stop reporting after this, epoch ms. */
  stopAt: number;
  window: Window;
  /** Time between two reports of one driver, ms. */
  periodMs: number;
  /** This worker's drivers are spread over the period as if they were numbers offset… of total. */
  phase: { offset: number; total: number };
}

export interface FleetDriversResult {
  /** Each driver's newest point the server acknowledged: [driverId, recordedAt]. */
  finals: [number, number][];
  /** Reports acknowledged whose send time fell in the window. */
  ackedInWindow: number;
  /** Reports not sent because the driver already had too many in flight. */
  skipped: number;
  errors: ErrorCounts;
  /** tracking.report round trip, ms. */
  reportLatency: HistogramData;
  /** This worker's event-loop delay p99 during the run, ms: high means the load generator, not the server, lagged. */
  loopDelayP99Ms: number;
}

export interface FleetDispatchersResult {
  /** Driver positions that reached a dispatcher during the window (summed over dispatchers). */
  deliveries: number;
  /** Dispatcher receipt time − driver send time, ms. */
  latency: HistogramData;
  /**
   * The same latency in three legs, from the timestamps a frame carries: send → the server
   * receives the report (`position.receivedAt`), → the server builds the frame (`frame.at`),
   * → the dispatcher receives it. All on the one machine clock.
   */
  legs: { toServer: HistogramData; toFrame: HistogramData; toDispatcher: HistogramData };
  frames: number;
  /** Drivers whose final point is missing from at least one dispatcher's state. */
  lostDrivers: number[];
  /** (dispatcher, driver) pairs missing the final point. */
  lostPairs: number;
  errors: ErrorCounts;
  /** This worker's event-loop delay p99 since the window was set, ms. */
  loopDelayP99Ms: number;
}

export interface RiderProbe {
  available: boolean;
  /** Why riders were not measured, when they were not. */
  reason?: string;
}

/** A rider and the driver whose trip they will follow; the pickup is where that driver is. */
export interface RiderPair {
  rider: Account;
  driver: Account;
  pickup: { lat: number; lng: number };
}

export interface RidersPrepared {
  /** Riders following an assigned trip. */
  trips: number;
  failed: number;
  errors: ErrorCounts;
}

export interface RidersResult {
  riders: number;
  /** Driver positions that reached the trip's rider during the window. */
  deliveries: number;
  /** Rider receipt time − driver send time, ms. */
  latency: HistogramData;
  /** Riders whose view misses their driver's final acknowledged point. */
  lost: number;
  errors: ErrorCounts;
}

export interface ChatPrepared {
  threads: number;
}

export interface ChatRunResult {
  /** Send call → the other side's `chat.events` message, ms. */
  latency: HistogramData;
  /** `chat.typing` call → the other side's typing event, ms. */
  typingLatency: HistogramData;
  sent: number;
  received: number;
  typingSent: number;
  /** Seconds from the first send to the last: the window the rate was offered in. */
  sendingSeconds: number;
  /** This load process's CPU over the run, % of one core. */
  cpuPct: number;
  /** This load process's event-loop delay, p99, ms: its own lag shows up in every latency it reads. */
  loopDelayP99Ms: number;
  errors: ErrorCounts;
}

export interface BroadcastReceipts {
  /** How many of the awaited deliveries arrived. */
  received: number;
  /** Earliest and latest receipt, epoch ms (NaN when none). */
  first: number;
  last: number;
}

export interface IdleConnected {
  connected: number;
  failed: number;
  errors: ErrorCounts;
}

export interface WritersRun {
  startAt: number;
  stopAt: number;
  /** recordedAt of every driver's first point, epoch ms; later points follow 1 ms apart. */
  firstRecordedAt: number;
  /** Reports per second per driver. */
  batchesPerSecond: number;
  pointsPerBatch: number;
}

export interface WritersResult {
  batchesOk: number;
  pointsAccepted: number;
  skipped: number;
  errors: ErrorCounts;
  latency: HistogramData;
}

/** Who a bare socket of the socket floor plays. */
export type FloorRole = "driver" | "dispatcher" | "rider";

export interface FloorRun {
  startAt: number;
  stopAt: number;
  periodMs: number;
  phase: { offset: number; total: number };
}

export interface FloorRunResult {
  sent: number;
  received: number;
}

/** A procedure the `calls` scenario measures; `healthz` is the HTTP server's floor, no tRPC. */
export type CallProcedure = "healthz" | "auth.me" | "drivers.list" | "chat.send";
/** HTTP with keep-alive (`httpBatchLink`, one call per request), or the tRPC WebSocket. */
export type CallTransport = "http" | "socket";

export interface CallsCellRun {
  procedure: CallProcedure;
  transport: CallTransport;
  count: number;
  concurrency: number;
}

export interface CallsCellResult {
  calls: number;
  wallMs: number;
  /** Round trip per call, ms. */
  latency: HistogramData;
  errors: ErrorCounts;
}

export interface OffersDriversResult {
  /** offerId → receipt times of `offer.received` at this worker's recipients (shared clock, ms). */
  receipts: [number, number[]][];
  /** offerId → when the accepting recipient called `offers.respond`. */
  acceptCalls: [number, number][];
  /** offerId → when the accepting recipient's `offers.respond` was answered. */
  acceptAnswers: [number, number][];
  errors: ErrorCounts;
}

export interface OffersCreated {
  /** offerId → when its `offers.create` call was made. */
  created: [number, number][];
  /** offerId → when its `offers.create` call was answered. */
  answered: [number, number][];
  /** Seconds from the first create to the last: the window the rate was offered in. */
  sendingSeconds: number;
  errors: ErrorCounts;
}

/** Every call a worker process answers; the argument and the result travel over IPC. */
export interface WorkerMethods {
  "fleetDrivers.prepare": (args: { url: string; drivers: DriverStart[]; transport: ReportTransport }) => number;
  "fleetDrivers.run": (args: FleetDriversRun) => FleetDriversResult;

  "fleetDispatchers.subscribe": (args: { url: string; accounts: Account[] }) => number;
  "fleetDispatchers.setWindow": (args: Window) => null;
  "fleetDispatchers.collect": (args: { finals: [number, number][] }) => FleetDispatchersResult;

  "riders.probe": (args: { url: string; account: Account }) => RiderProbe;
  "riders.prepare": (args: { url: string; pairs: RiderPair[] }) => RidersPrepared;
  "riders.setWindow": (args: Window) => null;
  "riders.collect": (args: { finals: [number, number][] }) => RidersResult;
  /** Each rider cancels their trip, so the next fleet run on this database can book again. */
  "riders.finish": (args: null) => number;

  "chat.prepare": (args: { url: string; dispatchers: Account[]; drivers: Account[] }) => ChatPrepared;
  "chat.prepareFloor": (args: { url: string; dispatchers: Account[]; drivers: Account[] }) => ChatPrepared;
  "chat.run": (args: { seconds: number; messagesPerSecond: number; typingLeadMs: number }) => ChatRunResult;

  "offers.prepareDrivers": (args: { url: string; accounts: Account[] }) => number;
  "offers.collectDrivers": (args: null) => OffersDriversResult;
  "offers.prepareDispatchers": (args: { url: string; accounts: Account[] }) => number;
  "offers.run": (args: { seconds: number; offersPerSecond: number; driverIds: number[]; recipients: number }) => OffersCreated;
  "offers.acceptedSeen": (args: null) => number;
  /** offerId → when its dispatcher saw `offer.accepted`. */
  "offers.collectDispatchers": (args: null) => [number, number][];

  "broadcast.subscribe": (args: { url: string; accounts: Account[] }) => number;
  "broadcast.await": (args: { offerIds: number[]; expected: number; timeoutMs: number }) => BroadcastReceipts;

  "idle.connect": (args: { url: string; tokens: string[]; concurrency: number }) => IdleConnected;

  "writers.prepare": (args: { url: string; accounts: Account[]; transport: ReportTransport }) => number;
  "writers.run": (args: WritersRun) => WritersResult;

  "calls.prepare": (args: { url: string; dispatcher: Account; driver: Account }) => null;
  "calls.run": (args: CallsCellRun) => CallsCellResult;

  "floor.connect": (args: { url: string; role: FloorRole; pairs: number[] }) => number;
  "floor.run": (args: FloorRun) => FloorRunResult;
  "floor.received": (args: null) => number;

  /** Closes every client this worker opened. */
  close: (args: null) => null;
}

export type MethodName = keyof WorkerMethods;
export type MethodArgs<M extends MethodName> = Parameters<WorkerMethods[M]>[0];
export type MethodResult<M extends MethodName> = ReturnType<WorkerMethods[M]>;

export type WorkerRequest = { [M in MethodName]: { id: number; method: M; args: MethodArgs<M> } }[MethodName];

export type WorkerResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
