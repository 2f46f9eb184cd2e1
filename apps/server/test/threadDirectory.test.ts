import { beforeAll, describe, expect, it } from "vitest";
import { ThreadDirectory } from "@convoy/api/server";
import { createDb } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { loadInput } from "./support/fixtures";
import { addUsers } from "./support/offerFixtures";

const t = useTestServer();

let dispatcher: LoggedInClient;
let otherDispatcher: LoggedInClient;
const driverIds: number[] = [];
/** The threads of two offers, each to ten drivers: "offerId:driverId" → its dispatcher. */
const owners = new Map<string, number>();

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  const drivers = await Promise.all(Array.from({ length: 10 }, (_, i) => t.as("driver", i + 1)));
  driverIds.push(...drivers.map((driver) => driver.userId));
  const first = await dispatcher.api.offers.create.mutate(loadInput(driverIds));
  // A second dispatcher's offer to the same drivers, so the owners differ by thread.
  otherDispatcher = (await addUsers(t, "dispatcher", 1))[0]!;
  const second = await otherDispatcher.api.offers.create.mutate(loadInput(driverIds));
  for (const driverId of driverIds) {
    owners.set(`${first.id}:${driverId}`, dispatcher.userId);
    owners.set(`${second.id}:${driverId}`, otherDispatcher.userId);
  }
});

const threadOf = (key: string) => key.split(":").map(Number) as [number, number];

describe("ThreadDirectory", () => {
  it("answers a burst of first lookups, found and not, with one query, and then from memory", async () => {
    const directory = new ThreadDirectory(t.db);
    const known = [...owners.keys()];
    // Not threads: an offer that does not exist, and a driver the offer was not sent to.
    const [offerId] = threadOf(known[0]!);
    const unknown = [`${offerId + 1_000_000}:${driverIds[0]}`, `${offerId}:${dispatcher.userId}`];
    const answers = await Promise.all([...known, ...unknown, ...known].map((key) => directory.ownerOf(...threadOf(key))));
    expect(answers).toEqual([...known.map((key) => owners.get(key)), null, null, ...known.map((key) => owners.get(key))]);
    expect(directory.stats()).toEqual({ lookups: 1, keys: known.length + unknown.length });

    expect(await directory.ownerOf(...threadOf(known[3]!))).toBe(owners.get(known[3]!));
    expect(directory.stats().lookups).toBe(1);
    // A miss is not remembered: the offer may be created a moment later.
    expect(await directory.ownerOf(...threadOf(unknown[0]!))).toBeNull();
    expect(directory.stats().lookups).toBe(2);
  });

  it("looks up a burst larger than one query in queries of 500 threads, one at a time", async () => {
    const directory = new ThreadDirectory(t.db);
    const known = [...owners.keys()];
    const [offerId] = threadOf(known[0]!);
    const strangers = Array.from({ length: 1_180 }, (_, i) => `${offerId}:${10_000_000 + i}`);
    const answers = await Promise.all([...strangers, ...known].map((key) => directory.ownerOf(...threadOf(key))));
    expect(answers.slice(0, strangers.length).every((answer) => answer === null)).toBe(true);
    expect(answers.slice(strangers.length)).toEqual(known.map((key) => owners.get(key)));
    expect(directory.stats()).toEqual({ lookups: 3, keys: 1_200 });
  });

  it("fails every waiting lookup when MySQL refuses, and looks up again afterwards", async () => {
    const handle = createDb(t.databaseUrl, { connectionLimit: 1 });
    await handle.close();
    const closed = new ThreadDirectory(handle.db);
    const key = [...owners.keys()][0]!;
    const [offerId, driverId] = threadOf(key);
    const lookups = [closed.ownerOf(offerId, driverId), closed.ownerOf(offerId, driverId), closed.ownerOf(offerId + 1, driverId)];
    for (const lookup of lookups) await expect(lookup).rejects.toThrow();
    // Nothing is left waiting: the next lookup is a new query, which fails the same way.
    await expect(closed.ownerOf(...threadOf(key))).rejects.toThrow();
    expect(closed.stats()).toEqual({ lookups: 2, keys: 3 });
  });
});
