import WebSocket from "ws";
import { createConvoyClient } from "@convoy/client";
import type { UserRole } from "@convoy/db";
import { BENCH_PASSWORD, type BenchUser } from "./database";
import type { Account } from "./protocol";
import { errorCode, forEachLimited, sleep } from "./roles/clients";

/**
 * Logs every user in through `auth.login`, `concurrency` at a time (the server spends one
 * scrypt check per login, so this is bounded by its CPU). Retries a login the server
 * throttled. Calls `onProgress` with the number done so far.
 */
export async function loginAll(
  url: string,
  users: readonly BenchUser[],
  concurrency: number,
  onProgress?: (done: number) => void,
): Promise<Record<UserRole, Account[]>> {
  const client = createConvoyClient({ url, WebSocket });
  const tokens: (Account | undefined)[] = new Array<Account | undefined>(users.length);
  let done = 0;
  try {
    await forEachLimited(users, concurrency, async (user, index) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const { token } = await client.api.auth.login.mutate({ email: user.email, password: BENCH_PASSWORD });
          tokens[index] = { id: user.id, token };
          break;
        } catch (error) {
          if (attempt >= 5) throw new Error(`login of ${user.email} failed: ${errorCode(error)}`, { cause: error });
          await sleep(errorCode(error) === "TOO_MANY_REQUESTS" ? 6_000 : 250 * attempt);
        }
      }
      if (++done % 250 === 0) onProgress?.(done);
    });
  } finally {
    await client.close();
  }
  const byRole: Record<UserRole, Account[]> = { dispatcher: [], driver: [], rider: [] };
  users.forEach((user, index) => byRole[user.role].push(tokens[index]!));
  return byRole;
}
