import { initTRPC } from "@trpc/server";
import { observable, observableToPromise } from "@trpc/server/observable";
import { describe, expect, it } from "vitest";

/**
 * Convoy installs @trpc/server with a patch (patches/README.md) that copies a call's options
 * and contexts with `Object.assign` where tRPC's build used descriptor-by-descriptor spread,
 * and that turns a client call's observable into a promise without an AbortController per
 * call. These pin down that both still behave as before, including for hostile keys.
 */
describe("patched @trpc/server: middleware copies behave like object spread", () => {
  const t = initTRPC.context<Record<string | symbol, unknown>>().create();

  it("keeps a context key named __proto__ as plain data and changes no prototype", async () => {
    // What JSON.parse makes of a hostile body: an own "__proto__" key, not a prototype.
    const hostile = JSON.parse('{"__proto__": {"isAdmin": true}, "userId": 7}') as Record<string, unknown>;
    const router = t.router({
      probe: t.procedure
        .use(({ next }) => next({ ctx: hostile }))
        .query(({ ctx }) => ({
          prototypeIsObject: Object.getPrototypeOf(ctx) === Object.prototype,
          inheritedIsAdmin: (ctx as { isAdmin?: unknown }).isAdmin,
          ownProtoKey: Object.prototype.hasOwnProperty.call(ctx, "__proto__"),
          userId: ctx.userId,
          base: ctx.base,
        })),
    });
    await expect(t.createCallerFactory(router)({ base: 1 }).probe()).resolves.toEqual({
      prototypeIsObject: true,
      inheritedIsAdmin: undefined,
      ownProtoKey: true,
      userId: 7,
      base: 1,
    });
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it("carries symbol keys and leaves out non-enumerable ones, through two middleware levels", async () => {
    const tag = Symbol("tag");
    const extra: Record<string | symbol, unknown> = { [tag]: "tagged" };
    Object.defineProperty(extra, "hidden", { value: "secret", enumerable: false });
    const router = t.router({
      probe: t.procedure
        .use(({ next }) => next({ ctx: extra }))
        .use(({ next }) => next({ ctx: { second: true } }))
        .query(({ ctx }) => ({ tag: ctx[tag], hidden: "hidden" in ctx, second: ctx.second, base: (ctx as Record<string, unknown>).base })),
    });
    await expect(t.createCallerFactory(router)({ base: 1 }).probe()).resolves.toEqual({ tag: "tagged", hidden: false, second: true, base: 1 });
  });
});

describe("patched @trpc/server: observableToPromise (every client call goes through it)", () => {
  it("resolves with the first value, whether or not the observable completes after it", async () => {
    const completing = observable<number>((observer) => {
      observer.next(1);
      observer.complete();
    });
    const open = observable<number>((observer) => {
      observer.next(2);
    });
    await expect(observableToPromise(completing)).resolves.toBe(1);
    await expect(observableToPromise(open)).resolves.toBe(2);
  });

  it("rejects with an AbortError when the observable completes without a value (a call cut short)", async () => {
    const empty = observable<number>((observer) => {
      observer.complete();
    });
    const rejection = await observableToPromise(empty).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(DOMException);
    expect((rejection as DOMException).name).toBe("AbortError");
  });

  it("rejects with the observable's own error", async () => {
    const failing = observable<number>((observer) => {
      observer.error(new Error("server said no"));
    });
    await expect(observableToPromise(failing)).rejects.toThrow("server said no");
  });
});
