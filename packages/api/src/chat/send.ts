import type { ApiServices } from "../services";
import { spendNow } from "../lib/rateLimits";
import { spendMutationBudgetNow } from "../trpc";
import type { ChatUser, Thread } from "./access";
import { findSentMessage, type ChatMessage } from "./messages";

/** What `chat.send` is given, validated. */
export interface SendInput {
  offerId: number;
  driverId?: number | undefined;
  body: string;
  clientMessageId: string;
}

/**
 * Sends a message in `thread`. A retry with the same `clientMessageId` returns the first
 * message and spends neither the mutation nor the chat budget, even when they are used up;
 * a new message spends both. The common case costs no lookup: the budgets are spent first
 * (with no promise when they are kept in this process), and given back when the write finds
 * the message already stored (see `MessageWriter`).
 */
export async function sendMessage(services: ApiServices, user: ChatUser, thread: Thread, input: SendInput): Promise<ChatMessage> {
  const key = String(user.id);
  try {
    const spending = spendMutationBudgetNow(services, user.id);
    if (spending) await spending;
  } catch (error) {
    const sent = await findSentMessage(services.db, user, input);
    if (sent) return sent;
    throw error;
  }
  try {
    const spending = spendNow(services.limits, "chat", key, "messages");
    if (spending) await spending;
  } catch (error) {
    await services.limits.mutation.reward(key, 1);
    const sent = await findSentMessage(services.db, user, input);
    if (sent) return sent;
    throw error;
  }
  const { message, duplicate } = await services.chat.writer.send(user, thread, input);
  if (duplicate) await Promise.all([services.limits.mutation.reward(key, 1), services.limits.chat.reward(key, 1)]);
  return message;
}
