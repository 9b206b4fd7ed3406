/**
 * A function of a catalog object (a catalog, a table) computed once per object: a service's catalog is fixed for its
 * life, and the DataLink descriptors of every TAP result ask the same questions of it (docs/performance.md: scanning
 * it with a lower-casing per name for each result cost more than the rest of datalink/tap.ts).
 */
export function derivedOnce<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const known = new WeakMap<K, { value: V }>();
  return (key) => {
    let hit = known.get(key);
    if (hit === undefined) known.set(key, (hit = { value: compute(key) }));
    return hit.value;
  };
}
