import { describe, expect, it } from "vitest";
import { clusterPoints, type ScreenPoint } from "./clusters";

const grid = (columns: number, rows: number, spacing: number): ScreenPoint[] =>
  Array.from({ length: columns * rows }, (_, i) => ({ id: `m${i}`, x: (i % columns) * spacing, y: Math.floor(i / columns) * spacing }));

describe("clusterPoints", () => {
  it("leaves points farther apart than the radius alone", () => {
    const clusters = clusterPoints(grid(5, 4, 50), 40);
    expect(clusters).toHaveLength(20);
    expect(clusters.every((cluster) => cluster.ids.length === 1)).toBe(true);
  });

  it("groups points that overlap, each point in exactly one cluster", () => {
    const points = grid(20, 10, 6);
    const clusters = clusterPoints(points, 40);
    expect(clusters.length).toBeGreaterThan(1);
    expect(clusters.length).toBeLessThan(points.length / 10);
    const members = clusters.flatMap((cluster) => cluster.ids).sort();
    expect(members).toEqual(points.map((point) => point.id).sort());
  });

  it("puts every member within the radius of the point its cluster grew from", () => {
    const points = grid(30, 30, 7);
    const byId = new Map(points.map((point) => [point.id, point]));
    for (const cluster of clusterPoints(points, 40)) {
      const seed = byId.get(cluster.key)!;
      for (const id of cluster.ids) {
        const point = byId.get(id)!;
        expect(Math.hypot(point.x - seed.x, point.y - seed.y)).toBeLessThanOrEqual(40);
      }
    }
  });

  it("draws a cluster at the mean of its members", () => {
    const [cluster] = clusterPoints(
      [
        { id: "a", x: 100, y: 100 },
        { id: "b", x: 110, y: 120 },
        { id: "c", x: 90, y: 110 },
      ],
      40,
    );
    expect(cluster).toEqual({ key: "a", ids: ["a", "b", "c"], x: 100, y: 110 });
  });

  it("gives the same clusters and keys for the same points, so markers can be kept", () => {
    const points = grid(15, 15, 9);
    expect(clusterPoints(points, 40)).toEqual(clusterPoints(points, 40));
  });

  it("handles points on both sides of the origin (negative cells)", () => {
    const clusters = clusterPoints(
      [
        { id: "a", x: -5, y: -5 },
        { id: "b", x: 5, y: 5 },
      ],
      40,
    );
    expect(clusters.map((cluster) => cluster.ids)).toEqual([["a", "b"]]);
  });
});
