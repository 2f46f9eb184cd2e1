import { mysqlTable, varchar, mysqlEnum, index, uniqueIndex, primaryKey, char, foreignKey } from "drizzle-orm/mysql-core";
import { primaryId, createdAt, idRef, utcTime } from "./columns";
import { users } from "./users";
import { offerRecipients } from "./offers";

export const messageKinds = ["text", "rate_proposal", "system"] as const;
export type MessageKind = (typeof messageKinds)[number];

/**
 * A thread is (offer, driver): the offer's dispatcher and one recipient driver, so its rows
 * reference that recipient row (and go with it, as it goes with its offer). Not the
 * `drivers` row: a foreign key check takes a shared lock on the row it finds, and an award
 * writing "Offer went to another driver" into every loser's thread would then hold shared
 * locks on all their driver rows, which other awards turning one of them busy need.
 */
export const messages = mysqlTable(
  "messages",
  {
    id: primaryId(),
    offerId: idRef("offer_id").notNull(),
    driverId: idRef("driver_id").notNull(),
    senderId: idRef("sender_id").references(() => users.id),
    kind: mysqlEnum("kind", messageKinds).notNull().default("text"),
    body: varchar("body", { length: 2000 }).notNull(),
    clientMessageId: char("client_message_id", { length: 36 }),
    createdAt: createdAt(),
  },
  (t) => [
    // Also the index the thread's foreign key uses.
    index("messages_thread_idx").on(t.offerId, t.driverId, t.id),
    foreignKey({
      name: "messages_thread_recipient_fk",
      columns: [t.offerId, t.driverId],
      foreignColumns: [offerRecipients.offerId, offerRecipients.driverId],
    }).onDelete("cascade"),
    // Idempotent send: a retried client id from the same sender cannot store twice.
    uniqueIndex("messages_sender_client_id_unique").on(t.senderId, t.clientMessageId),
  ],
);

/** Read state is a cursor per user and thread, moved forward only; it references the thread's recipient row like `messages`. */
export const chatReads = mysqlTable(
  "chat_reads",
  {
    userId: idRef("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    offerId: idRef("offer_id").notNull(),
    driverId: idRef("driver_id").notNull(),
    lastReadMessageId: idRef("last_read_message_id").notNull().default(0),
    updatedAt: utcTime("updated_at"),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.offerId, t.driverId] }),
    // The primary key leads with the reader; the thread's foreign key needs its own index.
    index("chat_reads_thread_idx").on(t.offerId, t.driverId),
    foreignKey({
      name: "chat_reads_thread_recipient_fk",
      columns: [t.offerId, t.driverId],
      foreignColumns: [offerRecipients.offerId, offerRecipients.driverId],
    }).onDelete("cascade"),
  ],
);
