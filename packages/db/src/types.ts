import type { InferInsertModel, InferSelectModel } from "drizzle-orm";
import type * as schema from "./schema";

export type User = InferSelectModel<typeof schema.users>;
export type NewUser = InferInsertModel<typeof schema.users>;
export type Driver = InferSelectModel<typeof schema.drivers>;
export type NewDriver = InferInsertModel<typeof schema.drivers>;
export type Offer = InferSelectModel<typeof schema.offers>;
export type NewOffer = InferInsertModel<typeof schema.offers>;
export type OfferRecipient = InferSelectModel<typeof schema.offerRecipients>;
export type Message = InferSelectModel<typeof schema.messages>;
export type ChatRead = InferSelectModel<typeof schema.chatReads>;
export type Trip = InferSelectModel<typeof schema.trips>;
export type NewTrip = InferInsertModel<typeof schema.trips>;
export type Location = InferSelectModel<typeof schema.locations>;
export type NewLocation = InferInsertModel<typeof schema.locations>;
export type EventRow = InferSelectModel<typeof schema.events>;
export type NewEventRow = InferInsertModel<typeof schema.events>;
