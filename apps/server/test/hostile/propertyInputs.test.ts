import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { appRouter } from "@convoy/api/server";
import { sql } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { loadInput } from "../support/fixtures";

const t = useTestServer({
  rateLimits: { mutationPoints: 1_000_000, chatPoints: 1_000_000, loginPoints: 1_000_000 },
});

const TABLES = [
  "users",
  "drivers",
  "offers",
  "offer_recipients",
  "messages",
  "chat_reads",
  "trips",
  "trip_history",
  "trip_status_actions",
  "locations",
  "events",
  "tracking_links",
  "places",
  "place_visits",
  "api_keys",
];
const RUNS_PER_PROCEDURE = 200;

type Procedure = { _def: { type: "query" | "mutation" | "subscription" } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Procedure>)
  .flatMap(([path, procedure]) => (procedure._def.type === "subscription" ? [] : [{ path, type: procedure._def.type }]))
  // Logout ends the very sessions the sweep runs as; its own tests cover it.
  .filter(({ path }) => path !== "auth.logout" && path !== "auth.logoutEverywhere");

let tokens: string[] = [];

async function tableChecksums(): Promise<string> {
  const [rows] = (await t.db.execute(sql.raw(`CHECKSUM TABLE ${TABLES.join(", ")}`))) as unknown as [unknown[]];
  return JSON.stringify(rows);
}

/** Values that look like the real inputs' fields but hold anything at all. */
const hostileValue = fc.oneof(
  fc.jsonValue(),
  fc.integer(),
  fc.constantFrom(1, 2, 3, 0, -1, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308, -1e308),
  fc.string({ maxLength: 3_000 }),
  fc.constantFrom("", " ", "<script>", "' OR 1=1 --", "\u0000", "9".repeat(40), "NaN"),
);
const fieldNames = [
  "offerId",
  "driverId",
  "tripId",
  "messageId",
  "body",
  "clientMessageId",
  "lastEventId",
  "availability",
  "points",
  "limit",
  "before",
  "cursor",
  "status",
  "action",
  "counterRateCents",
  "from",
  "to",
  "near",
  "typing",
  "email",
  "password",
  "driverIds",
  "pickup",
  "dropoff",
  "rateCents",
  "expiresInSeconds",
  "reason",
  "overrideReason",
  "currentDriverId",
  "radiusM",
  "stars",
  "comment",
  "label",
  "expiresInMinutes",
  "linkId",
  "token",
  "placeId",
  "pickupPlaceId",
  "dropoffPlaceId",
  "name",
  "geometry",
  "version",
  "dwellSeconds",
  "query",
  "scopes",
  "keyId",
];
const hostileInput = fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...fieldNames), hostileValue, { maxKeys: 6 }));

async function call(path: string, type: "query" | "mutation", input: unknown, token: string | null) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const response =
    type === "query"
      ? await fetch(`${t.url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
      : await fetch(`${t.url}/trpc/${path}`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify(input),
        });
  const body = (await response.json()) as { error?: { data?: { code?: string } } };
  return { status: response.status, code: body.error?.data?.code };
}

beforeAll(async () => {
  const dispatcher = await t.as("dispatcher");
  const driver = await t.as("driver", 1);
  const rider = await t.as("rider", 1);
  // One real offer and thread, so ids 1..3 reach real rows and real authorization checks.
  await dispatcher.api.offers.create.mutate(loadInput([driver.userId, (await t.as("driver", 2)).userId]));
  tokens = [dispatcher.token, driver.token, rider.token];
});

describe("random and malformed input", () => {
  it("covers every query and mutation", () => {
    expect(procedures.length).toBeGreaterThan(20);
  });

  for (const { path, type } of procedures) {
    it(`${path}: never INTERNAL_SERVER_ERROR, and a refused call writes nothing`, async () => {
      // Now and then a random input is valid for its caller (offerId 1 is a real offer) and
      // may write; the baseline moves past such a call. Refused calls must leave it alone.
      let baseline = await tableChecksums();
      await fc.assert(
        fc.asyncProperty(hostileInput, fc.constantFrom<string | null>(null, ...tokens), async (input, token) => {
          const { status, code } = await call(path, type, input, token);
          expect(status).toBeLessThan(500);
          expect(code).not.toBe("INTERNAL_SERVER_ERROR");
          if (status === 200) baseline = await tableChecksums();
        }),
        { numRuns: RUNS_PER_PROCEDURE },
      );
      // Presence, typing and rate limits live in memory; nothing refused may reach MySQL.
      expect(await tableChecksums()).toBe(baseline);
    });
  }
});
