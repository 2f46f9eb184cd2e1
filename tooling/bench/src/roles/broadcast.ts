import type { Account, BroadcastReceipts } from "../protocol";
import { connect, sleep } from "./clients";

/** offerId → receipt times (epoch ms) of `offer.received` at this worker's drivers. */
const receipts = new Map<number, number[]>();

/** Each driver subscribes to `offers.events`; resolves when every subscription has started. */
export async function subscribeBroadcast(url: string, accounts: readonly Account[]): Promise<number> {
  await Promise.all(
    accounts.map(
      (account) =>
        new Promise<void>((resolve, reject) => {
          connect(url, account.token).api.offers.events.subscribe(
            {},
            {
              onStarted: () => resolve(),
              onData({ data }) {
                if (data.type !== "offer.received") return;
                const now = Date.now();
                const times = receipts.get(data.offerId);
                if (times) times.push(now);
                else receipts.set(data.offerId, [now]);
              },
              onError: reject,
            },
          );
        }),
    ),
  );
  return accounts.length;
}

/** Waits until `expected` deliveries of these offers have arrived here, or the timeout. */
export async function awaitBroadcast(offerIds: readonly number[], expected: number, timeoutMs: number): Promise<BroadcastReceipts> {
  const deadline = Date.now() + timeoutMs;
  const gather = () => offerIds.flatMap((offerId) => receipts.get(offerId) ?? []);
  let times = gather();
  while (times.length < expected && Date.now() < deadline) {
    await sleep(5);
    times = gather();
  }
  return {
    received: times.length,
    first: times.length > 0 ? Math.min(...times) : Number.NaN,
    last: times.length > 0 ? Math.max(...times) : Number.NaN,
  };
}
