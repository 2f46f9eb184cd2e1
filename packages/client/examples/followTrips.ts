/**
 * A service that follows every trip change with an API key and misses nothing across
 * restarts. Each event is appended to a JSON-lines journal, one line per event in one write,
 * and on start the id of the journal's last line is passed to `trips.events` as
 * `lastEventId`, so the server sends exactly what came after it. The line is both what the
 * service made of the event and its place in the stream, so however the process stops (even
 * SIGKILL between two events) every event is in the journal once, in order.
 *
 *   CONVOY_URL=http://localhost:3000 CONVOY_API_KEY=cvk_… TRIPS_JOURNAL=trips.jsonl \
 *     pnpm --filter @convoy/client exec tsx examples/followTrips.ts
 *
 * The key needs the `trips:read` scope. It prints `following after <id>` once subscribed and
 * `event <id> <type> trip <tripId>` for each event journaled.
 */
import { appendFileSync, existsSync, readFileSync, truncateSync } from "node:fs";
import WebSocket from "ws";
import { createConvoyClient } from "@convoy/client";

const url = process.env.CONVOY_URL ?? "http://localhost:3000";
const apiKey = process.env.CONVOY_API_KEY;
const journal = process.env.TRIPS_JOURNAL ?? "trips.jsonl";
if (!apiKey) {
  console.error("Set CONVOY_API_KEY to a key with the trips:read scope (the dispatcher app's API keys page makes one)");
  process.exit(1);
}

/**
 * The id of the last event journaled, or null for none (then only new events follow). A
 * line without its newline was cut short by a crash mid-write and is dropped.
 */
function lastJournaledId(): string | null {
  if (!existsSync(journal)) return null;
  const text = readFileSync(journal, "utf8");
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  if (complete.length !== text.length) truncateSync(journal, Buffer.byteLength(complete));
  const last = complete.trimEnd().split("\n").at(-1);
  return last ? (JSON.parse(last) as { id: string }).id : null;
}

const lastEventId = lastJournaledId();
const convoy = createConvoyClient({ url, apiKey, WebSocket });

const subscription = convoy.api.trips.events.subscribe(
  { lastEventId },
  {
    onStarted: () => console.log(`following after ${lastEventId ?? "now"}`),
    onData: ({ id, data }) => {
      appendFileSync(journal, `${JSON.stringify({ id, type: data.type, tripId: data.tripId })}\n`);
      console.log(`event ${id} ${data.type} trip ${data.tripId}`);
    },
    onError: (error) => {
      console.error(`trips.events stopped: ${error.message}`);
      process.exit(1);
    },
  },
);

convoy.onSessionEnded(({ reason }) => {
  console.error(`the key no longer works (${reason}); stopping`);
  process.exit(1);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    subscription.unsubscribe();
    void convoy.close().then(() => process.exit(0));
  });
}
