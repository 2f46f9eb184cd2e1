import type { IncomingMessage, ServerResponse } from "node:http";
import type { AnyTRPCProcedure, AnyTRPCRouter } from "@trpc/server";
import {
  getErrorShape,
  getHTTPStatusCode,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  transformTRPCResponse,
  TRPCError,
  type AnyRootTypes,
  type RootConfig,
  type TRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";

/** What tRPC's `onError` receives, with the Node request as `req`, as its Node adapter passes it. */
export interface HttpQueryErrorInfo {
  error: TRPCError;
  path: string | undefined;
  input: unknown;
  ctx: unknown;
  type: "query" | "unknown";
  req: IncomingMessage;
}

export interface HttpQueryOptions<TContext> {
  router: AnyTRPCRouter;
  /** The context tRPC's own handler would create for this request. */
  createContext: (request: IncomingMessage, response: ServerResponse) => Promise<TContext>;
  onError: (info: HttpQueryErrorInfo) => void;
}

interface QueryCall {
  path: string;
  procedure: AnyTRPCProcedure;
}

interface QueryPlan {
  calls: QueryCall[];
  isBatch: boolean;
  /** Inputs by call index, deserialized as tRPC would; absent for a call sent without one. */
  inputs: Record<number, unknown>;
}

const PREFIX = "/trpc/";
/** Paths made of these alone read the same raw, URL-parsed and percent-decoded. */
const PLAIN_PATHS = /^[A-Za-z0-9_.,]+$/;
const RESPONSE_HEADERS = { "content-type": "application/json", vary: "trpc-accept, accept" };

/**
 * Serves the common tRPC request, a GET of queries (`/trpc/a.b` or `/trpc/a.b,c.d?batch=1`
 * with an optional JSON `input`), without tRPC's Fetch `Request`/`Response` round trip: the
 * calls run through the procedures themselves and the answer is what tRPC's `resolveResponse`
 * writes for the same request (envelopes, error shapes through the router's `errorFormatter`,
 * status from `getHTTPStatusCode`, `onError` for each failure, `content-type` and `vary`).
 * Anything else — another method, a content type, a streaming accept, an unknown path, a
 * mutation or subscription, input that is not JSON of the right shape, any other query
 * parameter — returns false having written nothing, for tRPC's own handler and its errors.
 * The body goes out with a `content-length` instead of tRPC's chunked stream.
 */
export function createHttpQueryHandler<TContext>(
  options: HttpQueryOptions<TContext>,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  // At run time tRPC keeps procedures in one flat record keyed by dotted path.
  const procedures = options.router._def.procedures as unknown as Record<string, AnyTRPCProcedure | undefined>;
  const deserialize = (value: unknown): unknown => options.router._def._config.transformer.input.deserialize(value);

  function procedureAt(path: string): AnyTRPCProcedure | null {
    if (!Object.hasOwn(procedures, path)) return null;
    const procedure = procedures[path];
    return typeof procedure === "function" && procedure._def.type === "query" ? procedure : null;
  }

  function plan(request: IncomingMessage): QueryPlan | null {
    const { headers } = request;
    if (request.method !== "GET" || headers["content-type"] !== undefined || headers["trpc-accept"] !== undefined) return null;
    if (headers.accept?.includes("application/jsonl")) return null;
    const url = request.url ?? "";
    if (!url.startsWith(PREFIX) || url.includes("#")) return null;
    const queryAt = url.indexOf("?");
    const pathPart = url.slice(PREFIX.length, queryAt === -1 ? undefined : queryAt);
    if (!PLAIN_PATHS.test(pathPart)) return null;

    let batch: string | null = null;
    let rawInput: string | null = null;
    if (queryAt !== -1) {
      for (const [key, value] of new URLSearchParams(url.slice(queryAt + 1))) {
        if (key === "batch" && batch === null) batch = value;
        else if (key === "input" && rawInput === null) rawInput = value;
        else return null;
      }
    }
    if (batch !== null && batch !== "1") return null;
    const isBatch = batch === "1";

    const calls: QueryCall[] = [];
    for (const path of isBatch ? pathPart.split(",") : [pathPart]) {
      const procedure = procedureAt(path);
      if (!procedure) return null;
      calls.push({ path, procedure });
    }

    // tRPC treats an empty `input` as none.
    const inputs: Record<number, unknown> = {};
    if (rawInput) {
      try {
        const parsed: unknown = JSON.parse(rawInput);
        if (!isBatch) inputs[0] = deserialize(parsed);
        else if (!isObject(parsed)) return null;
        else
          for (let index = 0; index < calls.length; index++) {
            const input = parsed[index];
            if (input !== undefined) inputs[index] = deserialize(input);
          }
      } catch {
        return null;
      }
    }
    return { calls, isBatch, inputs };
  }

  async function serve(request: IncomingMessage, response: ServerResponse, { calls, isBatch, inputs }: QueryPlan) {
    const config = options.router._def._config as RootConfig<AnyRootTypes>;
    const write = (status: number, body: unknown) => {
      const json = JSON.stringify(transformTRPCResponse(config, body as TRPCResponse));
      response.writeHead(status, { ...RESPONSE_HEADERS, "content-length": Buffer.byteLength(json) });
      response.end(json);
    };
    /** tRPC's answer when the request fails as a whole: one error, even for a batch. */
    const failWhole = (cause: unknown, ctx: TContext | undefined) => {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError({ error, path: undefined, input: undefined, ctx, type: "query", req: request });
      const shape: unknown = getErrorShape({ config, error, type: "query", path: undefined, input: undefined, ctx });
      const json = { error: shape } as TRPCResponse;
      write(getHTTPStatusCode(json), json);
    };

    let ctx: TContext;
    try {
      ctx = await options.createContext(request, response);
    } catch (cause) {
      failWhole(cause, undefined);
      return;
    }

    // tRPC reads every call's input at once, on the first `getRawInput`; before that a
    // failure reports no input.
    let inputsRead = false;
    const getRawInput = (index: number) => () => {
      inputsRead = true;
      return Promise.resolve(inputs[index]);
    };
    const outcomes = await Promise.all(
      calls.map(async ({ path, procedure }, index): Promise<[TRPCError, undefined] | [undefined, unknown]> => {
        try {
          const data: unknown = await procedure({
            path,
            getRawInput: getRawInput(index),
            ctx,
            type: "query",
            // Queries do not read an abort signal (only subscriptions do), as over the socket.
            signal: undefined,
            batchIndex: index,
          });
          return [undefined, data];
        } catch (cause) {
          const error = getTRPCErrorFromUnknown(cause);
          options.onError({ error, path, input: inputsRead ? inputs[index] : undefined, ctx, type: "query", req: request });
          return [error, undefined];
        }
      }),
    );

    const envelopes = outcomes.map(([error, data], index) => {
      const { path } = calls[index]!;
      if (!error && isDataStream(data)) {
        if (!isBatch) return null;
        error = new TRPCError({ code: "UNSUPPORTED_MEDIA_TYPE", message: STREAM_MESSAGE });
      }
      if (!error) return { result: { data } };
      const input = inputsRead ? inputs[index] : undefined;
      const shape: unknown = getErrorShape({ config, error, type: "query", path, input, ctx });
      return { error: shape };
    });
    if (!isBatch) {
      const [envelope] = envelopes;
      if (envelope) write(getHTTPStatusCode([envelope] as TRPCResponse[]), envelope);
      else failWhole(new TRPCError({ code: "UNSUPPORTED_MEDIA_TYPE", message: STREAM_MESSAGE }), ctx);
      return;
    }
    write(getHTTPStatusCode(envelopes as TRPCResponse[]), envelopes);
  }

  return (request, response) => {
    const planned = plan(request);
    if (!planned) return false;
    serve(request, response, planned).catch((cause: unknown) => {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError({ error, path: undefined, input: undefined, ctx: undefined, type: "unknown", req: request });
      if (!response.headersSent) response.writeHead(500, RESPONSE_HEADERS);
      response.end();
    });
    return true;
  };
}

const STREAM_MESSAGE = "Cannot use stream-like response in non-streaming request - use httpBatchStreamLink";

/** tRPC's test for a result only its streaming link can carry. */
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (isAsyncIterable(value)) return true;
  const values = Object.values(value);
  return values.some(isPromise) || values.some(isAsyncIterable);
}
