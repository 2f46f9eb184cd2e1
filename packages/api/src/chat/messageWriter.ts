import { messages, sql } from "@convoy/db";
import { commitWithEvents, type CommitDeps } from "../events/commit";
import { isDatabaseUnavailable } from "../lib/errors";
import { sqlInsertHead, sqlNumber, sqlString, sqlUtcDatetime } from "../lib/sqlLiterals";
import type { ChatUser, Thread } from "./access";
import { messageEvent, sendMessage, type ChatMessage } from "./messages";

/** What a send came to: the stored message, and whether an earlier attempt had stored it. */
export interface SendOutcome {
  message: ChatMessage;
  duplicate: boolean;
}

export interface MessageWriterOptions {
  /** Messages written by one transaction at most. @default 200 */
  maxBatch?: number;
  /** Transactions open at once; sends arriving meanwhile wait and go together in the next. @default 2 */
  maxInFlight?: number;
}

interface PendingSend {
  sender: ChatUser;
  thread: Thread;
  body: string;
  clientMessageId: string;
  resolve: (outcome: SendOutcome) => void;
  reject: (error: unknown) => void;
}

const INSERT_MESSAGES_HEAD = sqlInsertHead(messages, [
  messages.offerId,
  messages.driverId,
  messages.senderId,
  messages.kind,
  messages.body,
  messages.clientMessageId,
  messages.createdAt,
]);

/**
 * Group commit for `chat.send`: the messages of every send that arrives while earlier ones
 * are being written go to MySQL together, in one transaction with one INSERT of messages and
 * one of their events, so a busy server pays a transaction per batch rather than per message.
 * A quiet one writes each message at once (up to `maxInFlight` transactions run side by side).
 *
 * Each message keeps what a lone send guarantees: it is stored with its event or not at all,
 * published only after the commit, and a repeated `clientMessageId` stores nothing new. A batch
 * that MySQL refuses as a whole for anything but being unreachable (a retried client id among
 * its rows, say) is written again one send at a time, so one send's fault is its own.
 */
export class MessageWriter {
  private readonly queue: PendingSend[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly deps: CommitDeps,
    options: MessageWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  /** Stores a text message from `sender` in `thread` (already authorized) and its event. */
  send(sender: ChatUser, thread: Thread, input: { body: string; clientMessageId: string }): Promise<SendOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ sender, thread, body: input.body, clientMessageId: input.clientMessageId, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  private async write(batch: PendingSend[]): Promise<void> {
    let stored: ChatMessage[];
    try {
      stored = await commitWithEvents(this.deps, async (tx, emit) => {
        const createdAtMs = Date.now();
        const [result] = (await tx.execute(sql.raw(insertMessagesStatement(batch, createdAtMs)))) as unknown as [
          { insertId: number | string; affectedRows: number },
        ];
        const firstId = Number(result.insertId);
        if (!Number.isSafeInteger(firstId) || firstId < 1 || result.affectedRows !== batch.length) {
          throw new Error(`inserting ${batch.length} messages returned insertId ${result.insertId} for ${result.affectedRows} rows`);
        }
        const createdAt = new Date(createdAtMs).toISOString();
        // The rows of one INSERT get consecutive ids (see `appendEvents`).
        return batch.map((pending, index) => {
          const message: ChatMessage = {
            id: firstId + index,
            offerId: pending.thread.offerId,
            driverId: pending.thread.driverId,
            senderId: pending.sender.id,
            kind: "text",
            body: pending.body,
            clientMessageId: pending.clientMessageId,
            createdAt,
          };
          emit(messageEvent(pending.thread, message));
          return message;
        });
      });
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      await Promise.all(batch.map((pending) => this.writeAlone(pending)));
      return;
    }
    batch.forEach((pending, index) => pending.resolve({ message: stored[index]!, duplicate: false }));
  }

  /** One send in its own transaction, which tells a retried client id from a real failure. */
  private async writeAlone(pending: PendingSend): Promise<void> {
    try {
      pending.resolve(await sendMessage(this.deps, pending.sender, pending.thread, pending));
    } catch (error) {
      pending.reject(error);
    }
  }
}

function insertMessagesStatement(batch: readonly PendingSend[], createdAtMs: number): string {
  const createdAt = sqlUtcDatetime(createdAtMs);
  const rows = batch.map(
    (pending) =>
      `(${sqlNumber(pending.thread.offerId)},${sqlNumber(pending.thread.driverId)},${sqlNumber(pending.sender.id)},'text',` +
      `${sqlString(pending.body)},${sqlString(pending.clientMessageId)},${createdAt})`,
  );
  return INSERT_MESSAGES_HEAD + rows.join(",");
}
