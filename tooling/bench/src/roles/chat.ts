import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { DEMO_CITY } from "@convoy/db";
import { floorOfferId } from "../floor/chatMessages";
import type { Account, ChatPrepared, ChatRunResult, ErrorCounts } from "../protocol";
import { Histogram } from "../stats";
import { connect, countError, pace, sleep } from "./clients";
import { WireClient } from "./wireClient";

interface Participant {
  id: number;
  /** Chat calls and `chat.events` go over this socket (see `WireClient`). */
  wire: WireClient;
}

interface Thread {
  offerId: number;
  dispatcher: Participant;
  driver: Participant;
  /** Which side speaks next; sides alternate. */
  dispatcherNext: boolean;
}

let threads: Thread[] = [];
/** clientMessageId → performance.now() at the send call. */
const sentAt = new Map<string, { at: number; senderId: number }>();
/** `${offerId}:${driverId}:${userId}` → performance.now() at the typing call. */
const typingAt = new Map<string, number>();
let latency = new Histogram(0.1);
let typingLatency = new Histogram(0.1);
let received = 0;
const errors: ErrorCounts = {};

const place = (dLat: number, address: string) => ({ address, lat: DEMO_CITY.lat + dLat, lng: DEMO_CITY.lng });

interface ChatEventData {
  type?: string;
  message?: { senderId: number | null; clientMessageId: string | null };
  typing?: boolean;
  offerId?: number;
  driverId?: number;
  userId?: number;
}

/** Subscribes a participant to `chat.events` (all their threads) and records receipts. */
function listen(participant: Participant): Promise<void> {
  return participant.wire.subscribe("chat.events", {}, (value, eventId) => {
    const now = performance.now();
    const data = value as ChatEventData;
    if (eventId !== undefined) {
      if (data.type !== "message" || !data.message || data.message.senderId === participant.id || !data.message.clientMessageId) return;
      const sent = sentAt.get(data.message.clientMessageId);
      if (!sent) return;
      received++;
      latency.record(now - sent.at);
      return;
    }
    if (!data.typing || data.userId === participant.id) return;
    const key = `${data.offerId}:${data.driverId}:${data.userId}`;
    const started = typingAt.get(key);
    if (started === undefined) return;
    typingAt.delete(key);
    typingLatency.record(now - started);
  });
}

/** `work` over `items`, at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * Opens one thread per driver: each dispatcher offers a load to its share of the drivers,
 * one recipient per offer. Then every participant subscribes to `chat.events`.
 */
export async function prepareChat(url: string, dispatcherAccounts: readonly Account[], driverAccounts: readonly Account[]): Promise<ChatPrepared> {
  // The offers are made through the full client; the chat itself goes over each participant's
  // one WebSocket, calls beside its chat.events subscription.
  const offerDesks = dispatcherAccounts.map((account) => connect(url, account.token));
  const open = (account: Account) => WireClient.open(url, account.token).then((wire) => ({ id: account.id, wire }));
  const dispatchers = await mapLimited(dispatcherAccounts, 50, open);
  const drivers = await mapLimited(driverAccounts, 50, open);
  threads = await mapLimited(drivers, 50, async (driver, index) => {
    const dispatcher = dispatchers[index % dispatchers.length]!;
    const offer = await offerDesks[index % dispatchers.length]!.api.offers.create.mutate({
      driverIds: [driver.id],
      pickup: place(0.01, "1 Pickup St"),
      dropoff: place(-0.01, "2 Dropoff Ave"),
      weightKg: 500,
      dimensions: { lengthCm: 100, widthCm: 100, heightCm: 100 },
      rateCents: 50_000,
      notes: "benchmark load",
      expiresInSeconds: 3_600,
    });
    return { offerId: offer.id, dispatcher, driver, dispatcherNext: index % 2 === 0 };
  });
  await Promise.all([...dispatchers, ...drivers].map(listen));
  return { threads: threads.length };
}

/**
 * The same threads on the chat floor's bare server (`floor/chatServer.ts`): no offers to
 * create, each thread's offer id names its two sides, and tokens are the floor's.
 */
export async function prepareChatFloor(
  url: string,
  dispatcherAccounts: readonly Account[],
  driverAccounts: readonly Account[],
): Promise<ChatPrepared> {
  const open = (account: Account) => WireClient.open(url, account.token).then((wire) => ({ id: account.id, wire }));
  const dispatchers = await mapLimited(dispatcherAccounts, 50, open);
  const drivers = await mapLimited(driverAccounts, 50, open);
  threads = drivers.map((driver, index) => {
    const dispatcher = dispatchers[index % dispatchers.length]!;
    return { offerId: floorOfferId(dispatcher.id, driver.id), dispatcher, driver, dispatcherNext: index % 2 === 0 };
  });
  await Promise.all([...dispatchers, ...drivers].map(listen));
  return { threads: threads.length };
}

/**
 * Sends `messagesPerSecond` messages in total, round-robin over the threads with the sides
 * alternating, each preceded `typingLeadMs` earlier by a typing notice, for `seconds`.
 */
export async function runChat(args: { seconds: number; messagesPerSecond: number; typingLeadMs: number }): Promise<ChatRunResult> {
  latency = new Histogram(0.1);
  typingLatency = new Histogram(0.1);
  received = 0;
  let sent = 0;
  let typingSent = 0;
  const calls: Promise<void>[] = [];
  const total = Math.round(args.seconds * args.messagesPerSecond);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const runStartedAt = performance.now();

  const converse = async (thread: Thread) => {
    const sender = thread.dispatcherNext ? thread.dispatcher : thread.driver;
    thread.dispatcherNext = !thread.dispatcherNext;
    const input = { offerId: thread.offerId, driverId: thread.driver.id };
    try {
      typingAt.set(`${thread.offerId}:${thread.driver.id}:${sender.id}`, performance.now());
      typingSent++;
      await sender.wire.mutate("chat.typing", { ...input, typing: true });
    } catch (error) {
      countError(errors, error);
    }
    await sleep(args.typingLeadMs);
    const clientMessageId = randomUUID();
    sentAt.set(clientMessageId, { at: performance.now(), senderId: sender.id });
    try {
      await sender.wire.mutate("chat.send", { ...input, body: `benchmark message ${sent}`, clientMessageId });
      sent++;
    } catch (error) {
      sentAt.delete(clientMessageId);
      countError(errors, error);
    }
  };

  const sendingSeconds = await pace(total, args.messagesPerSecond, (k) => calls.push(converse(threads[k % threads.length]!)));
  await Promise.all(calls);
  // Let the last messages arrive.
  const deadline = performance.now() + 5_000;
  while (received < sent && performance.now() < deadline) await sleep(20);
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    latency: latency.toJSON(),
    typingLatency: typingLatency.toJSON(),
    sent,
    received,
    typingSent,
    sendingSeconds,
    cpuPct: (cpu.user + cpu.system) / 10 / (performance.now() - runStartedAt),
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    errors,
  };
}
