import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Account, ErrorCounts, FleetDispatchersResult, Window } from "../protocol";
import { Histogram } from "../stats";
import { connect, countError } from "./clients";

interface Watcher {
  /** Newest recordedAt seen per driver: this dispatcher's view of the fleet. */
  seen: Map<number, number>;
}

const watchers: Watcher[] = [];
let window: Window = { start: Number.POSITIVE_INFINITY, end: Number.NEGATIVE_INFINITY };
let deliveries = 0;
let frames = 0;
let latency = new Histogram(0.1);
let legs = { toServer: new Histogram(0.1), toFrame: new Histogram(0.1), toDispatcher: new Histogram(0.1) };
const errors: ErrorCounts = {};
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

/**
 * Each dispatcher subscribes to `tracking.onFleet`. A driver position counts as delivered
 * when it is newer than what that dispatcher had for the driver; its latency is the receipt
 * time minus the driver's send time (its `recordedAt`). Resolves when every dispatcher has
 * its snapshot, with the number of drivers in the last snapshot.
 */
export async function subscribeFleetDispatchers(url: string, accounts: readonly Account[]): Promise<number> {
  let snapshotDrivers = 0;
  await Promise.all(
    accounts.map(
      (account) =>
        new Promise<void>((resolve, reject) => {
          const watcher: Watcher = { seen: new Map() };
          watchers.push(watcher);
          const client = connect(url, account.token);
          client.api.tracking.onFleet.subscribe(undefined, {
            onData(frame) {
              const now = Date.now();
              const counted = frame.kind === "frame" && now >= window.start && now < window.end;
              if (counted) frames++;
              for (const driver of frame.drivers) {
                const position = driver.position;
                if (!position) continue;
                const previous = watcher.seen.get(driver.id);
                if (previous !== undefined && previous >= position.recordedAt) continue;
                watcher.seen.set(driver.id, position.recordedAt);
                if (counted) {
                  deliveries++;
                  latency.record(now - position.recordedAt);
                  legs.toServer.record(position.receivedAt - position.recordedAt);
                  legs.toFrame.record(frame.at - position.receivedAt);
                  legs.toDispatcher.record(now - frame.at);
                }
              }
              if (frame.kind === "snapshot") {
                snapshotDrivers = frame.drivers.length;
                resolve();
              }
            },
            onError(error) {
              countError(errors, error);
              reject(error);
            },
          });
        }),
    ),
  );
  return snapshotDrivers;
}

export function setFleetWindow(next: Window): null {
  window = next;
  deliveries = 0;
  frames = 0;
  latency = new Histogram(0.1);
  legs = { toServer: new Histogram(0.1), toFrame: new Histogram(0.1), toDispatcher: new Histogram(0.1) };
  loopDelay.reset();
  loopDelay.enable();
  return null;
}

/** Compares every dispatcher's view with each driver's final acknowledged point. */
export function collectFleetDispatchers(finals: readonly [number, number][]): FleetDispatchersResult {
  const lost = new Set<number>();
  let lostPairs = 0;
  for (const watcher of watchers) {
    for (const [driverId, recordedAt] of finals) {
      if (recordedAt === 0) continue;
      if ((watcher.seen.get(driverId) ?? 0) < recordedAt) {
        lost.add(driverId);
        lostPairs++;
      }
    }
  }
  return {
    deliveries,
    latency: latency.toJSON(),
    legs: { toServer: legs.toServer.toJSON(), toFrame: legs.toFrame.toJSON(), toDispatcher: legs.toDispatcher.toJSON() },
    frames,
    lostDrivers: [...lost],
    lostPairs,
    errors,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
  };
}
