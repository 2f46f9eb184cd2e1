import WebSocket from "ws";
import { createConvoyClient, TRPCClientError, type AppRouter, type ConvoyClient } from "@convoy/client";

/** A subscription the client made again after a retryable error, and the error's code. */
export interface Resubscription {
  path: string;
  code: string;
}

export interface RecordingClient extends ConvoyClient {
  userId: number;
  token: string;
  /** Every resubscription so far, oldest first. */
  resubscriptions: Resubscription[];
}

/** The tRPC code of an error, "NO_RESPONSE" when the server never answered. */
export function trpcCodeOf(error: unknown): string {
  if (!(error instanceof TRPCClientError)) return "NOT_A_TRPC_ERROR";
  return (error as TRPCClientError<AppRouter>).data?.code ?? "NO_RESPONSE";
}

/**
 * Logs in through `@convoy/client` against a server process and records the resubscriptions
 * the client makes; `closeAll` closes every client made.
 */
export function recordingClients(): {
  login: (url: string, email: string, password: string) => Promise<RecordingClient>;
  closeAll: () => Promise<void>;
} {
  const clients: ConvoyClient[] = [];
  return {
    async login(url, email, password) {
      const anonymous = createConvoyClient({ url, WebSocket });
      clients.push(anonymous);
      const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
      const resubscriptions: Resubscription[] = [];
      const client = createConvoyClient({
        url,
        token,
        WebSocket,
        resubscribe: { onRetry: ({ path, error }) => resubscriptions.push({ path, code: trpcCodeOf(error) }) },
      });
      clients.push(client);
      return Object.assign(client, { userId: user.id, token, resubscriptions });
    },
    async closeAll() {
      await Promise.allSettled(clients.map((client) => client.close()));
    },
  };
}

/** Resolves once `condition()` holds, checking every 50 ms; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once `url`/readyz answers 200 (a refused connection counts as not ready); rejects after `timeoutMs`. */
export function untilReady(url: string, what: string, timeoutMs?: number): Promise<void> {
  return waitFor(
    () =>
      fetch(`${url}/readyz`).then(
        (response) => response.ok,
        () => false,
      ),
    what,
    timeoutMs,
  );
}
