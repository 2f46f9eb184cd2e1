/**
 * The tRPC floor: the socket floor's traffic through tRPC's WebSocket adapter, with the
 * procedures Convoy uses for it (`tracking.report` validated by Convoy's own zod schema,
 * `tracking.onFleet` with frames stringified once by Convoy's encoder, `tracking.onTrip` per
 * rider) and nothing else: no auth, sessions, rate limits, database, bus or trip logic.
 * Between the bare floor and the fleet figure it shows how much is the library and how much
 * is Convoy. Run as its own process like `server.ts`; sockets say who they are the same way.
 */
import { initTRPC } from "@trpc/server";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer } from "ws";
import { reportInputSchema } from "@convoy/api/schemas";
import { shareJson, sharedJsonEncoder } from "@convoy/api/server";
import { fleetFrameData, riderFrameData } from "./messages";

const FRAME_INTERVAL_MS = 100;

type Frame = object;
type Deliver = (frame: Frame) => void;

const t = initTRPC.context<{ pair: number }>().create();
const fleetWatchers = new Set<Deliver>();
const riders = new Map<number, Deliver>();
/** Drivers that reported since the last frame. */
let moved = new Set<number>();

/**
 * One subscriber's stream: `register` hands it a deliver function; only the newest frame
 * waits (a mailbox, as Convoy's streams conflate), until `signal` aborts.
 */
async function* mailbox(register: (deliver: Deliver) => () => void, signal: AbortSignal | undefined): AsyncGenerator<Frame> {
  // Written by the deliver callback, read by the loop; an object so neither side narrows it.
  const slot: { frame: Frame | null } = { frame: null };
  let wake: (() => void) | null = null;
  const resume = () => {
    wake?.();
    wake = null;
  };
  const unregister = register((frame) => {
    slot.frame = frame;
    resume();
  });
  signal?.addEventListener("abort", resume, { once: true });
  try {
    while (!signal?.aborted) {
      const frame = slot.frame;
      if (frame) {
        slot.frame = null;
        yield frame;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    unregister();
    signal?.removeEventListener("abort", resume);
  }
}

const router = t.router({
  tracking: t.router({
    report: t.procedure.input(reportInputSchema).mutation(({ ctx, input }) => {
      moved.add(ctx.pair);
      riders.get(ctx.pair)?.(riderFrameData(ctx.pair, Date.now()));
      return { accepted: input.points.length, rejected: [] };
    }),
    onFleet: t.procedure.subscription(({ signal }) =>
      mailbox((deliver) => {
        fleetWatchers.add(deliver);
        return () => fleetWatchers.delete(deliver);
      }, signal),
    ),
    onTrip: t.procedure.subscription(({ ctx, signal }) =>
      mailbox((deliver) => {
        riders.set(ctx.pair, deliver);
        return () => riders.delete(ctx.pair);
      }, signal),
    ),
  }),
});

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
applyWSSHandler({
  wss,
  router,
  experimental_encoder: sharedJsonEncoder,
  createContext: ({ req }) => ({ pair: Number(new URL(req.url ?? "/", "http://floor").searchParams.get("pair")) }),
});

setInterval(() => {
  if (moved.size === 0 || fleetWatchers.size === 0) return;
  const frame = shareJson(fleetFrameData([...moved], Date.now()));
  moved = new Set();
  for (const deliver of fleetWatchers) deliver(frame);
}, FRAME_INTERVAL_MS);

wss.on("listening", () => {
  const address = wss.address();
  process.send?.({ port: typeof address === "object" && address ? address.port : 0 });
});

process.on("disconnect", () => process.exit(0));
