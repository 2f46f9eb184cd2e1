import { isIP } from "node:net";
import type { Database } from "@convoy/db";
import type { Logger } from "pino";
import webpush from "web-push";
import type { StoredEvent } from "../events/types";
import { pushesFor, type PushDelivery, type PushNotification } from "./notifications";
import {
  DEFAULT_PUSH_SUBSCRIPTION_LIMITS,
  liveSubscriptionsOf,
  removeSubscriptionById,
  type PushSubscriptionLimits,
  type StoredPushSubscription,
} from "./subscriptions";

/** The server's VAPID identity: the key pair push services know it by, and a contact. */
export interface VapidKeys {
  /** Uncompressed P-256 public key, base64url (what browsers take as `applicationServerKey`). */
  publicKey: string;
  /** The matching private key, base64url. */
  privateKey: string;
  /** A `mailto:` or `https:` contact the push services may use about this sender. */
  subject: string;
}

export interface PushOptions {
  /** The VAPID identity; null turns push off (`push.subscribe` refuses, nothing is sent). */
  vapid: VapidKeys | null;
  /** Sends (and subscription look-ups) in flight at once. @default 4 */
  concurrency?: number;
  /** Longest one request to a push service may take, connect to answer, in ms. @default 10_000 */
  timeoutMs?: number;
  /** Sends waiting for a free slot; beyond it new ones are dropped (and logged). @default 10_000 */
  queueLimit?: number;
  /** How long a push service keeps a message for a device that is offline, in s. @default 3_600 */
  ttlSeconds?: number;
  /**
   * Accept `http://` endpoints on 127.0.0.1 and localhost (a local test push server). Off in
   * production, where only `https://` endpoints on public host names are accepted. @default false
   */
  allowLoopbackHttp?: boolean;
  /** Subscriptions per session and per user; see `PushSubscriptionLimits`. */
  subscriptionLimits?: PushSubscriptionLimits;
}

/** What push has done since start. */
export interface PushStats {
  sent: number;
  /** Sends the push service refused (other than gone) or that failed or timed out. */
  failed: number;
  /** Subscriptions removed because the push service answered 404 or 410. */
  gone: number;
  /** Work dropped because the queue was full. */
  dropped: number;
}

/** User ids per subscription look-up (an IN list). */
const LOOKUP_CHUNK = 500;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Web Push for one process. Told about every batch of events this process committed (the
 * pump's `onPublish`, after the commit), it works out who is to be told (`pushesFor`),
 * looks up their live subscriptions and sends, all in a queue of its own with a concurrency
 * limit and a timeout per send: nothing of it runs on the request that made the change, and
 * a slow or failing push service delays only other pushes. Each event is pushed by the one
 * instance that committed it, so several instances never push it twice; a push lost to a
 * crash is not retried (notifications are a hint; the apps' streams are the record).
 */
export class PushService {
  private readonly waiting: (() => Promise<void>)[] = [];
  private running = 0;
  private stopped = false;
  private dropWarned = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly counts: PushStats = { sent: 0, failed: 0, gone: 0, dropped: 0 };
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly queueLimit: number;
  private readonly ttlSeconds: number;
  private readonly allowLoopbackHttp: boolean;
  /** Subscriptions per session and per user. */
  readonly limits: PushSubscriptionLimits;

  constructor(
    private readonly deps: { db: Database; logger: Logger },
    private readonly options: PushOptions,
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.queueLimit = options.queueLimit ?? 10_000;
    this.ttlSeconds = options.ttlSeconds ?? 3_600;
    this.allowLoopbackHttp = options.allowLoopbackHttp ?? false;
    this.limits = options.subscriptionLimits ?? DEFAULT_PUSH_SUBSCRIPTION_LIMITS;
  }

  /** The VAPID public key browsers subscribe with; null when push is off. */
  get publicKey(): string | null {
    return this.options.vapid?.publicKey ?? null;
  }

  get stats(): PushStats {
    return { ...this.counts };
  }

  /**
   * Why the server will not send to `endpoint`, in a sentence, or null when it will: an
   * `https://` URL on a host name (no address literal, no loopback name, no credentials);
   * `http://` to 127.0.0.1 or localhost too with `allowLoopbackHttp`.
   */
  endpointProblem(endpoint: string): string | null {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return "endpoint must be a URL";
    }
    if (url.username || url.password) return "endpoint must not carry credentials";
    const loopback = LOOPBACK_HOSTS.has(url.hostname);
    if (this.allowLoopbackHttp && loopback) return url.protocol === "http:" || url.protocol === "https:" ? null : "endpoint must be an http(s) URL";
    if (url.protocol !== "https:") return "endpoint must be an https:// URL";
    if (loopback || isIP(url.hostname.replace(/^\[|\]$/g, "")) !== 0) return "endpoint must name a push service by host name";
    return null;
  }

  /**
   * Queues the pushes one committed batch calls for. Returns at once and never throws: the
   * caller is the commit path.
   */
  notify(batch: readonly StoredEvent[]): void {
    if (!this.options.vapid || this.stopped) return;
    let deliveries: PushDelivery[];
    try {
      deliveries = pushesFor(batch);
    } catch (error) {
      this.deps.logger.error({ err: error }, "push: could not work out the notifications for committed events");
      return;
    }
    if (deliveries.length === 0) return;
    const byUser = new Map<number, PushNotification[]>();
    for (const { viewer, notification } of deliveries) {
      const list = byUser.get(viewer.userId);
      if (list) list.push(notification);
      else byUser.set(viewer.userId, [notification]);
    }
    const userIds = [...byUser.keys()];
    for (let i = 0; i < userIds.length; i += LOOKUP_CHUNK) {
      const chunk = userIds.slice(i, i + LOOKUP_CHUNK);
      this.enqueue(async () => {
        const subscriptions = await liveSubscriptionsOf(this.deps.db, chunk);
        for (const subscription of subscriptions) {
          for (const notification of byUser.get(subscription.userId) ?? []) this.enqueue(() => this.send(subscription, notification));
        }
      });
    }
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Takes no more work and waits for what is queued and in flight (each send is bounded by `timeoutMs`). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private enqueue(task: () => Promise<void>): void {
    if (this.waiting.length >= this.queueLimit) {
      this.counts.dropped++;
      if (!this.dropWarned) {
        this.dropWarned = true;
        this.deps.logger.warn({ queueLimit: this.queueLimit }, "push: queue full; dropping notifications until it drains");
      }
      return;
    }
    this.waiting.push(task);
    this.drain();
  }

  private drain(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.running++;
      task()
        .catch((error: unknown) => {
          this.counts.failed++;
          this.deps.logger.warn({ err: error }, "push: a send or subscription look-up failed");
        })
        .finally(() => {
          this.running--;
          this.drain();
          if (this.running === 0 && this.waiting.length === 0) {
            this.dropWarned = false;
            for (const resolve of this.idleWaiters.splice(0)) resolve();
          }
        });
    }
  }

  /**
   * One encrypted, VAPID-signed message to one subscription (`web-push` builds the request;
   * `fetch` sends it, with a deadline for the whole exchange). A 404 or 410 means the browser
   * dropped the subscription: its row goes.
   */
  private async send(subscription: StoredPushSubscription, notification: PushNotification): Promise<void> {
    const vapid = this.options.vapid;
    if (!vapid) return;
    const request = webpush.generateRequestDetails(subscription, JSON.stringify(notification), {
      vapidDetails: vapid,
      TTL: this.ttlSeconds,
      // A newer message with the same topic replaces one still waiting for the device.
      ...(notification.tag.length <= 32 ? { topic: notification.tag } : {}),
    });
    // fetch sets the length itself; TTL is a number at run time, whatever the types say.
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers as Record<string, string | number>)) {
      if (name.toLowerCase() !== "content-length") headers.set(name, String(value));
    }
    const response = await fetch(request.endpoint, {
      method: "POST",
      headers,
      body: new Uint8Array(request.body),
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: "error",
    });
    await response.body?.cancel();
    if (response.ok) {
      this.counts.sent++;
      return;
    }
    if (response.status === 404 || response.status === 410) {
      this.counts.gone++;
      await removeSubscriptionById(this.deps.db, subscription.id);
      return;
    }
    this.counts.failed++;
    this.deps.logger.warn({ status: response.status, host: new URL(subscription.endpoint).host }, "push: the push service refused a message");
  }
}
