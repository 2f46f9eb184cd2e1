import { initTRPC } from "@trpc/server";
import { describe, expect, it } from "vitest";

/**
 * Convoy installs @trpc/server with a patch (patches/README.md, part 1) that copies a call's
 * options and contexts with `Object.assign` where tRPC's build used descriptor-by-descriptor
 * spread. These pin down that the copies still behave like spread, including for hostile keys,
 * and that the patch is in place.
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

describe("patched @trpc/server: spread copies by assignment (patches/README.md, part 1)", () => {
  it("runs a call through two middleware levels without copying a property descriptor", async () => {
    const t = initTRPC.context<Record<string, unknown>>().create();
    const router = t.router({
      probe: t.procedure
        .use(({ next }) => next({ ctx: { first: 1 } }))
        .use(({ next }) => next({ ctx: { second: 2 } }))
        .query(({ ctx }) => ({ ...ctx })),
    });
    const caller = t.createCallerFactory(router)({ base: 0 });
    // tRPC's build copied every spread's later argument descriptor by descriptor; the patch
    // copies by assignment, so no descriptor is read in the whole call.
    const descriptors = Object.getOwnPropertyDescriptors;
    let reads = 0;
    Object.getOwnPropertyDescriptors = ((value: object) => {
      reads += 1;
      return descriptors(value);
    }) as typeof Object.getOwnPropertyDescriptors;
    let result: unknown;
    try {
      result = await caller.probe();
    } finally {
      Object.getOwnPropertyDescriptors = descriptors;
    }
    expect(result).toEqual({ base: 0, first: 1, second: 2 });
    expect(reads).toBe(0);
  });
});
