import { mysqlTable, varchar, mysqlEnum, index, uniqueIndex, primaryKey, char } from "drizzle-orm/mysql-core";
import { primaryId, createdAt, idRef, utcTime } from "./columns";
import { users, drivers } from "./users";
import { offers } from "./offers";

export const messageKinds = ["text", "rate_proposal", "system"] as const;
export type MessageKind = (typeof messageKinds)[number];

/** A thread is (offer, driver): the offer's dispatcher and one recipient driver. */
export const messages = mysqlTable(
  "messages",
  {
    id: primaryId(),
    offerId: idRef("offer_id")
      .notNull()
      .references(() => offers.id, { onDelete: "cascade" }),
    driverId: idRef("driver_id")
      .notNull()
      .references(() => drivers.userId),
    senderId: idRef("sender_id").references(() => users.id),
    kind: mysqlEnum("kind", messageKinds).notNull().default("text"),
    body: varchar("body", { length: 2000 }).notNull(),
    clientMessageId: char("client_message_id", { length: 36 }),
    createdAt: createdAt(),
  },
  (t) => [
    index("messages_thread_idx").on(t.offerId, t.driverId, t.id),
    // Idempotent send: a retried client id from the same sender cannot store twice.
    uniqueIndex("messages_sender_client_id_unique").on(t.senderId, t.clientMessageId),
  ],
);

/** Read state is a cursor per user and thread, moved forward only. */
export const chatReads = mysqlTable(
  "chat_reads",
  {
    userId: idRef("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    offerId: idRef("offer_id")
      .notNull()
      .references(() => offers.id, { onDelete: "cascade" }),
    driverId: idRef("driver_id")
      .notNull()
      .references(() => drivers.userId),
    lastReadMessageId: idRef("last_read_message_id").notNull().default(0),
    updatedAt: utcTime("updated_at"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.offerId, t.driverId] })],
);
