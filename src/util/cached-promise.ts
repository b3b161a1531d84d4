/**
 * Memoise async work per key (weights, networks, decoded preset paintings, provider probes): the
 * first call starts it, later calls share the same promise. A rejected promise is dropped from the
 * cache, so the next call retries — a file installed after a failure is picked up without a restart.
 */
export function cachedPromise<K, V>(cache: Map<K, Promise<V>>, key: K, make: () => Promise<V>): Promise<V> {
  let p = cache.get(key);
  if (!p) {
    const made = make();
    p = made;
    cache.set(key, made);
    made.catch(() => {
      if (cache.get(key) === made) cache.delete(key);
    });
  }
  return p;
}
