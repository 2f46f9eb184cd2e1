import type { ErrorCounts, IdleConnected } from "../protocol";
import { connect, countError, forEachLimited } from "./clients";

/**
 * Opens one socket per token, each holding one `offers.events` subscription (live only, no
 * backlog read), and resolves when they have all started or failed.
 */
export async function connectIdle(url: string, tokens: readonly string[], concurrency: number): Promise<IdleConnected> {
  const errors: ErrorCounts = {};
  let connected = 0;
  let failed = 0;
  await forEachLimited(
    tokens,
    concurrency,
    (token) =>
      new Promise<void>((resolve) => {
        connect(url, token).api.offers.events.subscribe(
          {},
          {
            onStarted: () => {
              connected++;
              resolve();
            },
            onError: (error) => {
              failed++;
              countError(errors, error);
              resolve();
            },
          },
        );
      }),
  );
  return { connected, failed, errors };
}
