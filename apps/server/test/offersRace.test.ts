import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq, offerRecipients, offers, sql, trips } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { addUsers, loadInput } from "./support/offerFixtures";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";

const t = useTestServer();

const ROUNDS = 20;
let dispatcher: LoggedInClient;
let drivers: LoggedInClient[];
let databaseName: string;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  const seeded = await Promise.all(Array.from({ length: 20 }, (_, i) => t.as("driver", i + 1)));
  drivers = [...seeded, ...(await addUsers(t, "driver", 30))];
  expect(new Set(drivers.map((d) => d.userId)).size).toBe(50);
  const [rows] = (await t.db.execute(sql`SELECT DATABASE() AS name`)) as unknown as [{ name: string }[]];
  databaseName = rows[0]!.name;
});

/**
 * InnoDB's report of the last deadlock it detected on the server, any database. A deadlock
 * is retried by `commitWithEvents`, so it rarely reaches a caller; this is how a test sees it.
 */
async function latestDeadlock(): Promise<string> {
  const [rows] = (await t.db.execute(sql`SHOW ENGINE INNODB STATUS`)) as unknown as [{ Status: string }[]];
  return /LATEST DETECTED DEADLOCK\n-+\n([\s\S]*?)\n-+\nTRANSACTIONS/.exec(rows[0]!.Status)?.[1] ?? "";
}

// Every race here must be decided by waiting, not by InnoDB killing one side. Another
// database's deadlock after ours hides ours (a missed failure, never a false one).
let deadlockBefore = "";
beforeEach(async () => {
  deadlockBefore = await latestDeadlock();
});
afterEach(async () => {
  const after = await latestDeadlock();
  if (after !== deadlockBefore) expect(after, "a deadlock in this test's database").not.toContain(`\`${databaseName}\`.`);
});

interface Outcome {
  ok: boolean;
  code?: string;
  httpStatus?: number;
  message?: string;
}

async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return { ok: true };
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const data = (error as TRPCClientError<AppRouter>).data;
    return { ok: false, code: data?.code, httpStatus: data?.httpStatus, message: error.message };
  }
}

/** The database's verdict on one offer: status, winner, recipient statuses and trips. */
async function stateOf(offerId: number) {
  const [offer] = await t.db.select().from(offers).where(eq(offers.id, offerId));
  const recipients = await t.db.select().from(offerRecipients).where(eq(offerRecipients.offerId, offerId));
  const tripRows = await t.db.select().from(trips).where(eq(trips.offerId, offerId));
  const byStatus = (status: string) => recipients.filter((r) => r.status === status);
  return { offer: offer!, recipients, accepted: byStatus("accepted"), lost: byStatus("lost"), trips: tripRows };
}

describe("offers: exactly one winner", () => {
  it(`50 drivers accepting at once, ${ROUNDS} times: one winner, one trip, 49 readable CONFLICTs`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput(drivers.map((d) => d.userId)));
      const outcomes = await Promise.all(drivers.map((driver) => outcome(driver.api.offers.respond.mutate({ offerId, action: "accept" }))));

      const winners = outcomes.flatMap((result, i) => (result.ok ? [drivers[i]!.userId] : []));
      const losers = outcomes.filter((result) => !result.ok);
      expect(winners, `round ${round}`).toHaveLength(1);
      expect(
        losers.every((result) => (result.httpStatus ?? 500) < 500),
        `round ${round}: no 5xx`,
      ).toBe(true);
      expect(new Set(losers.map((result) => `${result.code}: ${result.message}`))).toEqual(
        new Set(["CONFLICT: Another driver already won this offer"]),
      );

      const state = await stateOf(offerId);
      expect(state.offer).toMatchObject({ status: "accepted", acceptedDriverId: winners[0], agreedRateCents: 45_000 });
      expect(state.accepted.map((r) => r.driverId)).toEqual(winners);
      expect(state.lost).toHaveLength(49);
      expect(state.trips).toHaveLength(1);
      expect(state.trips[0]).toMatchObject({ driverId: winners[0], status: "assigned", kind: "load" });
    }
  });

  it("acceptCounter, cancel and driver accepts racing each other still end with one outcome", async () => {
    for (let round = 0; round < 5; round++) {
      const racers = drivers.slice(0, 10);
      const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput(racers.map((d) => d.userId)));
      const counterer = racers[0]!;
      await counterer.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 55_000 });

      const outcomes = await Promise.all([
        outcome(dispatcher.api.offers.acceptCounter.mutate({ offerId, driverId: counterer.userId, counterRateCents: 55_000 })),
        outcome(dispatcher.api.offers.cancel.mutate({ offerId })),
        ...racers.slice(1).map((driver) => outcome(driver.api.offers.respond.mutate({ offerId, action: "accept" }))),
      ]);
      expect(
        outcomes.filter((result) => result.ok),
        `round ${round}`,
      ).toHaveLength(1);
      expect(
        outcomes.every((result) => result.ok || result.code === "CONFLICT"),
        JSON.stringify(outcomes),
      ).toBe(true);

      const state = await stateOf(offerId);
      if (state.offer.status === "cancelled") {
        expect(state.trips).toHaveLength(0);
        expect(state.recipients.every((r) => r.status === "withdrawn")).toBe(true);
      } else {
        expect(state.offer.status).toBe("accepted");
        expect(state.trips).toHaveLength(1);
        expect(state.accepted).toHaveLength(1);
        expect(state.lost).toHaveLength(9);
        const expectedRate = state.offer.acceptedDriverId === counterer.userId ? 55_000 : 45_000;
        expect(state.offer.agreedRateCents).toBe(expectedRate);
      }
    }
  });
});

describe("offers: one driver winning several loads at once", () => {
  it("accepts 8 loads a driver accepts at the same moment, each with its trip, without a deadlock reaching the driver", async () => {
    const [driver] = await addUsers(t, "driver", 1);
    const created = await Promise.all(Array.from({ length: 8 }, () => dispatcher.api.offers.create.mutate(loadInput([driver!.userId]))));
    const outcomes = await Promise.all(created.map((offer) => outcome(driver!.api.offers.respond.mutate({ offerId: offer.id, action: "accept" }))));

    expect(outcomes, JSON.stringify(outcomes)).toEqual(created.map(() => ({ ok: true })));
    for (const offer of created) {
      const state = await stateOf(offer.id);
      expect(state.offer.status).toBe("accepted");
      expect(state.trips.map((trip) => trip.driverId)).toEqual([driver!.userId]);
    }
  });
});

describe("offers: drivers winning and losing overlapping loads at once", () => {
  it("awards 12 pairs of loads offered to the same two drivers, each accepting one of each pair at the same moment, without a 500", async () => {
    const [first, second] = await addUsers(t, "driver", 2);
    const pairs = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const a = await dispatcher.api.offers.create.mutate(loadInput([first!.userId, second!.userId]));
        const b = await dispatcher.api.offers.create.mutate(loadInput([first!.userId, second!.userId]));
        return [a.id, b.id] as const;
      }),
    );
    // Each award turns its winner busy and tells the other driver it lost: the two awards of a
    // pair write both drivers' rows, in opposite roles.
    const outcomes = await Promise.all(
      pairs.flatMap(([a, b]) => [
        outcome(first!.api.offers.respond.mutate({ offerId: a, action: "accept" })),
        outcome(second!.api.offers.respond.mutate({ offerId: b, action: "accept" })),
      ]),
    );

    expect(outcomes, JSON.stringify(outcomes)).toEqual(outcomes.map(() => ({ ok: true })));
    for (const [a, b] of pairs) {
      expect((await stateOf(a)).offer.acceptedDriverId).toBe(first!.userId);
      expect((await stateOf(b)).offer.acceptedDriverId).toBe(second!.userId);
    }
  });
});

describe("offers: awards racing offer creates and chat sends to the same drivers", () => {
  it("awards, creates and chat messages on overlapping drivers all go through, decided by waiting", async () => {
    const pool = await addUsers(t, "driver", 6);
    const ids = pool.map((driver) => driver.userId);
    const open = await Promise.all(Array.from({ length: 12 }, () => dispatcher.api.offers.create.mutate(loadInput(ids))));
    // Each award turns one of the six busy and writes a line into the other five's threads,
    // while new offers to all six take shared locks on their driver rows and the drivers
    // write into their threads of the offers being awarded.
    const outcomes = await Promise.all([
      ...open.map((offer, i) => outcome(pool[i % pool.length]!.api.offers.respond.mutate({ offerId: offer.id, action: "accept" }))),
      ...Array.from({ length: 12 }, () => outcome(dispatcher.api.offers.create.mutate(loadInput(ids)))),
      ...open.flatMap((offer, i) =>
        [1, 2].map((step) =>
          outcome(
            pool[(i + step) % pool.length]!.api.chat.send.mutate({ offerId: offer.id, body: `on my way ${step}`, clientMessageId: randomUUID() }),
          ),
        ),
      ),
    ]);

    expect(outcomes, JSON.stringify(outcomes)).toEqual(outcomes.map(() => ({ ok: true })));
    for (const [i, offer] of open.entries()) {
      const state = await stateOf(offer.id);
      expect(state.offer).toMatchObject({ status: "accepted", acceptedDriverId: ids[i % ids.length] });
      expect(state.lost).toHaveLength(5);
      expect(state.trips).toHaveLength(1);
    }
  });
});
