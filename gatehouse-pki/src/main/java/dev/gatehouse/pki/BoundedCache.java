package dev.gatehouse.pki;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A size-bounded concurrent map for caches read on event loops: reads and writes are
 * {@link ConcurrentHashMap} operations (no global lock); when an insert takes the size past the bound,
 * the inserting thread evicts about a tenth of the entries in the map's iteration order (an
 * approximation of LRU that needs no bookkeeping on reads).
 */
final class BoundedCache<K, V> {
    private final ConcurrentHashMap<K, V> map;
    private final int maxEntries;

    BoundedCache(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: >= 1)");
        }
        this.maxEntries = maxEntries;
        this.map = new ConcurrentHashMap<>(Math.min(maxEntries, 1024));
    }

    V get(K key) {
        return map.get(key);
    }

    void put(K key, V value) {
        map.put(key, value);
        if (map.size() > maxEntries) {
            int toEvict = Math.max(1, maxEntries / 10);
            Iterator<K> it = map.keySet().iterator();
            while (toEvict > 0 && it.hasNext()) {
                K k = it.next();
                if (!k.equals(key)) { // the entry just put stays; skipping it must not use up the quota
                    it.remove();
                    toEvict--;
                }
            }
        }
    }

    void remove(K key) {
        map.remove(key);
    }

    int size() {
        return map.size();
    }

    void clear() {
        map.clear();
    }
}
