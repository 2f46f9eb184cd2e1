/**
 * The demo accounts `seed` creates, defined once for the server's start banner, the
 * simulator and the tests. Imports nothing, so a client process can load it through
 * `@convoy/db/demo` without the database driver.
 */

/** The demo city: downtown Chicago. Drivers are spread within about 12 km of it. */
export const DEMO_CITY = { name: "Chicago", lat: 41.8781, lng: -87.6298 } as const;

/** Known demo passwords. The server prints these at start; they are for demos only. */
export const DEMO_PASSWORDS = { dispatcher: "dispatch123", driver: "drive123", rider: "ride123" } as const;

/** How many accounts of each role the demo seed creates for people to sign in with. */
export const DEMO_ACCOUNT_COUNTS = { dispatcher: 1, driver: 20, rider: 5 } as const;

/**
 * How many drivers the seed creates for the simulator (`sim1@convoy.test` …). They are
 * drivers like any other, but apart from the people's demo logins, so a person signing in
 * as `driver3` never fights the simulator over the account. Seeded `offline`: the simulator
 * makes each one available when it starts driving it.
 */
export const SIMULATED_DRIVER_COUNT = 12;

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

/**
 * One of the simulator's drivers: `simulatedDriverLogin(2)` is sim2@convoy.test, with the
 * drivers' demo password.
 * @param index 1-based; throws past `SIMULATED_DRIVER_COUNT`.
 */
export function simulatedDriverLogin(index: number): DemoLogin {
  if (!Number.isInteger(index) || index < 1 || index > SIMULATED_DRIVER_COUNT) {
    throw new RangeError(`no simulated driver number ${index} (there are ${SIMULATED_DRIVER_COUNT})`);
  }
  return { role: "driver", email: `sim${index}@convoy.test`, password: DEMO_PASSWORDS.driver };
}

/** The simulator's drivers, sim1 first. */
export function simulatedDriverLogins(): DemoLogin[] {
  return Array.from({ length: SIMULATED_DRIVER_COUNT }, (_, i) => simulatedDriverLogin(i + 1));
}

/** Every account `seed` creates: the dispatcher, the drivers, the riders, then the simulator's drivers. */
export function demoLogins(): DemoLogin[] {
  return [
    ...(["dispatcher", "driver", "rider"] as const).flatMap((role) =>
      Array.from({ length: DEMO_ACCOUNT_COUNTS[role] }, (_, i) => demoLogin(role, i + 1)),
    ),
    ...simulatedDriverLogins(),
  ];
}
