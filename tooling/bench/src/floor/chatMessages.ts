/** A chat floor thread's offer id: both sides can be read back from it (see `chatServer.ts`). */
export function floorOfferId(dispatcherId: number, driverId: number): number {
  return dispatcherId * 1_000_000 + driverId;
}

export function dispatcherOfFloorOffer(offerId: number): number {
  return Math.floor(offerId / 1_000_000);
}

/** The connection token a chat floor socket sends for `userId`. */
export function floorToken(userId: number): string {
  return `floor:${userId}`;
}
