/**
 * The demo accounts `seed` creates, defined once for the server's start banner, the
 * simulator and the tests. Imports nothing, so a client process can load it through
 * `@convoy/db/demo` without the database driver.
 */

/** The demo city: downtown Chicago. Drivers are spread within about 12 km of it. */
export const DEMO_CITY = { name: "Chicago", lat: 41.8781, lng: -87.6298 } as const;

/** Known demo passwords. The server prints these at start; they are for demos only. */
export const DEMO_PASSWORDS = { dispatcher: "dispatch123", driver: "drive123", rider: "ride123" } as const;

/** How many accounts of each role the demo seed creates. */
export const DEMO_ACCOUNT_COUNTS = { dispatcher: 1, driver: 20, rider: 5 } as const;

export interface DemoLogin {
  role: "dispatcher" | "driver" | "rider";
  email: string;
  password: string;
}

/**
 * One demo account: `demoLogin("dispatcher")`, `demoLogin("driver", 3)` (driver3@convoy.test).
 * @param index 1-based number of the account within its role; @default 1. Throws past the seeded count.
 */
export function demoLogin(role: DemoLogin["role"], index = 1): DemoLogin {
  if (!Number.isInteger(index) || index < 1 || index > DEMO_ACCOUNT_COUNTS[role]) {
    throw new RangeError(`no demo ${role} number ${index} (there are ${DEMO_ACCOUNT_COUNTS[role]})`);
  }
  const email = role === "dispatcher" ? "dispatcher@convoy.test" : `${role}${index}@convoy.test`;
  return { role, email, password: DEMO_PASSWORDS[role] };
}

/** Every account `seed` creates: the dispatcher, then the drivers, then the riders. */
export function demoLogins(): DemoLogin[] {
  return (["dispatcher", "driver", "rider"] as const).flatMap((role) =>
    Array.from({ length: DEMO_ACCOUNT_COUNTS[role] }, (_, i) => demoLogin(role, i + 1)),
  );
}
