import type { Bus } from "@convoy/api/server";
import type { DbHandle } from "@convoy/db";

/** A dependency as `/readyz` reports it: answering, failing, or not answering in time. */
export type DependencyState = "up" | "down" | "timeout";

/** `/readyz`'s body; `ok` is true only when MySQL and the bus are up and the instance is not draining. */
export interface Readiness {
  ok: boolean;
  mysql: DependencyState;
  bus: DependencyState;
  draining: boolean;
}

/**
 * A check that answers within `timeoutMs` whatever the dependency does. Checks arriving
 * while one is in flight share it, so a balancer polling a frozen MySQL holds one pool
 * connection, not one per poll.
 */
function sharedCheck(probe: () => Promise<unknown>, timeoutMs: number): () => Promise<DependencyState> {
  let inFlight: Promise<"up" | "down"> | null = null;
  return () => {
    inFlight ??= probe().then(
      () => "up" as const,
      () => "down" as const,
    );
    const check = inFlight;
    void check.finally(() => {
      if (inFlight === check) inFlight = null;
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), timeoutMs);
      void check.then((state) => {
        clearTimeout(timer);
        resolve(state);
      });
    });
  };
}

/**
 * Readiness: MySQL answers `SELECT 1`, the bus answers a ping (Redis when configured; the
 * in-process bus always does), and the instance is not draining. Each check answers within
 * `timeoutMs`, so a probe never outlasts a balancer's own timeout.
 */
export function readinessChecker(database: DbHandle, bus: Bus, timeoutMs: number, isDraining: () => boolean): () => Promise<Readiness> {
  const checkMysql = sharedCheck(() => database.pool.query("SELECT 1"), timeoutMs);
  const checkBus = sharedCheck(() => bus.ping(), timeoutMs);
  return async () => {
    const [mysql, busState] = await Promise.all([checkMysql(), checkBus()]);
    const draining = isDraining();
    return { ok: mysql === "up" && busState === "up" && !draining, mysql, bus: busState, draining };
  };
}
