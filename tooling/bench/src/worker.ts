/**
 * A load-generator process, forked by the benchmark. It holds Convoy clients and answers
 * the calls in `WorkerMethods` over IPC; all timing is on this machine's shared clock.
 */
import type { MethodArgs, MethodName, MethodResult, WorkerRequest, WorkerResponse } from "./protocol";
import { awaitBroadcast, subscribeBroadcast } from "./roles/broadcast";
import { prepareCalls, runCallsCell } from "./roles/calls";
import { prepareChat, prepareChatFloor, runChat } from "./roles/chat";
import { closeAll } from "./roles/clients";
import { collectFleetDispatchers, setFleetWindow, subscribeFleetDispatchers } from "./roles/fleetDispatchers";
import { prepareFleetDrivers, runFleetDrivers } from "./roles/fleetDrivers";
import { closeFloor, connectFloor, floorReceived, runFloorDrivers } from "./roles/floor";
import { connectIdle } from "./roles/idle";
import { collectRiders, finishRiders, prepareRiders, probeRiders, setRidersWindow } from "./roles/riders";
import { prepareWriters, runWriters } from "./roles/writers";
import {
  collectOfferDispatchers,
  collectOfferDrivers,
  offersAcceptedSeen,
  prepareOfferDispatchers,
  prepareOfferDrivers,
  runOffers,
} from "./roles/offers";

type Handlers = { [M in MethodName]: (args: MethodArgs<M>) => MethodResult<M> | Promise<MethodResult<M>> };

const handlers: Handlers = {
  "fleetDrivers.prepare": ({ url, drivers, transport }) => prepareFleetDrivers(url, drivers, transport),
  "fleetDrivers.run": (run) => runFleetDrivers(run),
  "fleetDispatchers.subscribe": ({ url, accounts }) => subscribeFleetDispatchers(url, accounts),
  "fleetDispatchers.setWindow": (window) => setFleetWindow(window),
  "fleetDispatchers.collect": ({ finals }) => collectFleetDispatchers(finals),
  "riders.probe": ({ url, account }) => probeRiders(url, account),
  "riders.prepare": ({ url, pairs }) => prepareRiders(url, pairs),
  "riders.setWindow": (window) => setRidersWindow(window),
  "riders.collect": ({ finals }) => collectRiders(finals),
  "riders.finish": () => finishRiders(),
  "chat.prepare": ({ url, dispatchers, drivers }) => prepareChat(url, dispatchers, drivers),
  "chat.prepareFloor": ({ url, dispatchers, drivers }) => prepareChatFloor(url, dispatchers, drivers),
  "chat.run": (args) => runChat(args),
  "offers.prepareDrivers": ({ url, accounts }) => prepareOfferDrivers(url, accounts),
  "offers.collectDrivers": () => collectOfferDrivers(),
  "offers.prepareDispatchers": ({ url, accounts }) => prepareOfferDispatchers(url, accounts),
  "offers.run": (args) => runOffers(args),
  "offers.acceptedSeen": () => offersAcceptedSeen(),
  "offers.collectDispatchers": () => collectOfferDispatchers(),
  "broadcast.subscribe": ({ url, accounts }) => subscribeBroadcast(url, accounts),
  "broadcast.await": ({ offerIds, expected, timeoutMs }) => awaitBroadcast(offerIds, expected, timeoutMs),
  "idle.connect": ({ url, tokens, concurrency }) => connectIdle(url, tokens, concurrency),
  "writers.prepare": ({ url, accounts, transport }) => prepareWriters(url, accounts, transport),
  "writers.run": (run) => runWriters(run),
  "calls.prepare": (args) => prepareCalls(args),
  "calls.run": (run) => runCallsCell(run),
  "floor.connect": ({ url, role, pairs }) => connectFloor(url, role, pairs),
  "floor.run": (run) => runFloorDrivers(run),
  "floor.received": () => floorReceived(),
  close: async () => {
    closeFloor();
    await closeAll();
    return null;
  },
};

function reply(response: WorkerResponse): void {
  process.send?.(response);
}

process.on("message", (request: WorkerRequest) => {
  const handler = handlers[request.method] as (args: unknown) => unknown;
  Promise.resolve()
    .then(() => handler(request.args))
    .then(
      (value) => reply({ id: request.id, ok: true, value }),
      (error: unknown) => reply({ id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
});

// The parent going away ends this process too.
process.on("disconnect", () => process.exit(0));
