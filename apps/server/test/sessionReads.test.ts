import { describe, expect, it } from "vitest";
import { useTestServer } from "./support/harness";

const t = useTestServer();

describe("sessions this instance does not hold", () => {
  it("are read together when many first calls arrive at once, as after a restart, and then held", async () => {
    const driver = await t.as("driver", 1);
    // Sessions made in MySQL behind the server's back, as another instance (or this one before a restart) made them.
    const tokens = await Promise.all(Array.from({ length: 600 }, () => t.tokenFor(driver.userId, "driver")));
    const { sessions } = t.server.services;
    const before = sessions.readStats();

    const first = await Promise.all(tokens.map(({ token }) => sessions.authenticate(token)));
    expect(first.map((auth) => auth.ok && auth.session.sessionId)).toEqual(tokens.map(({ sessionId }) => sessionId));
    const after = sessions.readStats();
    expect({ lookups: after.lookups - before.lookups, keys: after.keys - before.keys }).toEqual({ lookups: 1, keys: 600 });

    const again = await Promise.all(tokens.map(({ token }) => sessions.authenticate(token)));
    expect(again.every((auth) => auth.ok)).toBe(true);
    expect(sessions.readStats()).toEqual(after);
  });
});
