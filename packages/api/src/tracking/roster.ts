import { type Availability, type Database, drivers, eq, inArray, users } from "@convoy/db";
import type { Logger } from "pino";

/** What the fleet view shows about a driver besides position and presence. */
export interface RosterEntry {
  id: number;
  name: string;
  availability: Availability;
}

/** A driver row as loaded at start: roster fields plus the persisted last position. */
export interface DriverSnapshotRow extends RosterEntry {
  lat: number | null;
  lng: number | null;
  positionAt: Date | null;
}

const snapshotColumns = {
  id: users.id,
  name: users.name,
  availability: drivers.availability,
  lat: drivers.lat,
  lng: drivers.lng,
  positionAt: drivers.positionAt,
};

/** Every driver with the last position persisted in `drivers`. */
export async function loadDriverSnapshot(db: Database): Promise<DriverSnapshotRow[]> {
  return db.select(snapshotColumns).from(drivers).innerJoin(users, eq(users.id, drivers.userId));
}

/**
 * Names and availability of every driver, in memory. Loaded at start; a driver created
 * later is looked up the first time something happens to them (coalesced into one query),
 * and `onLoaded` tells the fleet feed to include them.
 */
export class DriverRoster {
  private readonly entries = new Map<number, RosterEntry>();
  private readonly lookingUp = new Set<number>();
  /** Availability that changed while the driver's lookup was in flight; it wins over the row read. */
  private readonly changedDuringLookup = new Map<number, Availability>();
  private lookupScheduled = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly onLoaded: (driverId: number) => void,
  ) {}

  get(driverId: number): RosterEntry | undefined {
    return this.entries.get(driverId);
  }

  all(): IterableIterator<RosterEntry> {
    return this.entries.values();
  }

  add(entry: RosterEntry): void {
    this.entries.set(entry.id, { id: entry.id, name: entry.name, availability: entry.availability });
  }

  /** Records a new availability; returns whether the driver is known (else a lookup starts). */
  setAvailability(driverId: number, availability: Availability): boolean {
    const entry = this.entries.get(driverId);
    if (entry) {
      entry.availability = availability;
      return true;
    }
    this.changedDuringLookup.set(driverId, availability);
    this.ensure(driverId);
    return false;
  }

  /** Starts a lookup for a driver this process has not seen yet. */
  ensure(driverId: number): void {
    if (this.entries.has(driverId) || this.lookingUp.has(driverId)) return;
    this.lookingUp.add(driverId);
    if (this.lookupScheduled) return;
    this.lookupScheduled = true;
    // One query for every driver that showed up in the same burst.
    setImmediate(() => void this.lookUp());
  }

  private async lookUp(): Promise<void> {
    this.lookupScheduled = false;
    const ids = [...this.lookingUp];
    try {
      const rows = await this.db
        .select({ id: users.id, name: users.name, availability: drivers.availability })
        .from(drivers)
        .innerJoin(users, eq(users.id, drivers.userId))
        .where(inArray(drivers.userId, ids));
      for (const row of rows) {
        this.add({ ...row, availability: this.changedDuringLookup.get(row.id) ?? row.availability });
        this.onLoaded(row.id);
      }
    } catch (error) {
      // Forgotten so the driver's next event tries again.
      this.logger.warn({ err: error, drivers: ids.length }, "driver lookup for the fleet view failed");
    } finally {
      for (const id of ids) {
        this.lookingUp.delete(id);
        this.changedDuringLookup.delete(id);
      }
    }
  }
}
