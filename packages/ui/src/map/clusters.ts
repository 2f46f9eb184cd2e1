/** A marker's place on screen: map pixels at one zoom level (pan-independent). */
export interface ScreenPoint {
  id: string;
  x: number;
  y: number;
}

export interface Cluster {
  /** The id of the member the cluster grew from: stable while that member stays in it. */
  key: string;
  /** Member ids, in the order they were given. */
  ids: string[];
  /** Where to draw the cluster: the mean of its members' points. */
  x: number;
  y: number;
}

/**
 * Groups points that would overlap on screen, greedily, the way Leaflet.markercluster does:
 * points are taken in the given order, and each joins the nearest cluster whose first point
 * lies within `radiusPx`, or starts a new one. Cells of `radiusPx` mean each point looks at
 * nine cells only, so n points cost O(n): a fleet of thousands re-clusters in a millisecond
 * or two. Give the points in a stable order (by id, say) and the same inputs give the same
 * clusters with the same keys, so a map can update its cluster markers in place.
 * Points alone come back as clusters of one.
 */
export function clusterPoints(points: readonly ScreenPoint[], radiusPx: number): Cluster[] {
  const clusters: (Cluster & { seedX: number; seedY: number })[] = [];
  const cells = new Map<string, number[]>();
  const radiusSq = radiusPx * radiusPx;
  for (const point of points) {
    const cx = Math.floor(point.x / radiusPx);
    const cy = Math.floor(point.y / radiusPx);
    let best = -1;
    let bestSq = radiusSq;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const index of cells.get(`${cx + dx},${cy + dy}`) ?? []) {
          const cluster = clusters[index]!;
          const sq = (cluster.seedX - point.x) ** 2 + (cluster.seedY - point.y) ** 2;
          if (sq <= bestSq) {
            best = index;
            bestSq = sq;
          }
        }
      }
    }
    if (best >= 0) {
      const cluster = clusters[best]!;
      cluster.ids.push(point.id);
      // Running mean: the cluster sits in the middle of what it stands for.
      cluster.x += (point.x - cluster.x) / cluster.ids.length;
      cluster.y += (point.y - cluster.y) / cluster.ids.length;
      continue;
    }
    const key = `${cx},${cy}`;
    const bucket = cells.get(key);
    if (bucket) bucket.push(clusters.length);
    else cells.set(key, [clusters.length]);
    clusters.push({ key: point.id, ids: [point.id], x: point.x, y: point.y, seedX: point.x, seedY: point.y });
  }
  return clusters.map(({ key, ids, x, y }) => ({ key, ids, x, y }));
}
