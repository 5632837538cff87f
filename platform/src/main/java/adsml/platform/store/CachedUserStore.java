package adsml.platform.store;

import adsml.platform.domain.User;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A size-bounded Caffeine cache in front of another {@link UserStore}.
 *
 * <p>Contract: {@link #get} answers from the cache when it can and otherwise loads from the delegate (concurrent misses
 * of one id load once); users the delegate does not have are not cached, so a user put later through the delegate
 * directly is found. {@link #put} writes through to the delegate first and then updates the cache, so a failed write
 * leaves the cache untouched. Writes that bypass this class are not seen for ids already cached. {@link #close} closes
 * the delegate, which this store owns. Thread-safe.
 */
public final class CachedUserStore implements UserStore {
    private final UserStore delegate;
    private final Cache<Integer, User> cache;
    private volatile boolean closed;

    /**
     * Caches up to {@code maximumSize} users in front of {@code delegate}, recording statistics.
     *
     * @throws IllegalArgumentException when {@code maximumSize < 0}
     */
    public CachedUserStore(UserStore delegate, long maximumSize) {
        if (delegate == null) {
            throw new IllegalArgumentException("delegate must not be null");
        }
        if (maximumSize < 0) {
            throw new IllegalArgumentException("maximumSize must be >= 0, was " + maximumSize);
        }
        this.delegate = delegate;
        this.cache =
                Caffeine.newBuilder().maximumSize(maximumSize).recordStats().build();
    }

    @Override
    public Optional<User> get(int userId) {
        checkOpen();
        // The mapping function returning null records a miss and caches nothing.
        return Optional.ofNullable(cache.get(userId, id -> delegate.get(id).orElse(null)));
    }

    /** A cached user at once (a hit); anything else is loaded through {@link #get} on {@code executor}. */
    @Override
    public CompletableFuture<Optional<User>> getAsync(int userId, Executor executor) {
        checkOpen();
        // A quiet peek: the load below records the hit or miss once.
        User cached = cache.policy().getIfPresentQuietly(userId);
        if (cached != null) {
            cache.getIfPresent(userId); // counts the hit and informs the eviction policy
            return CompletableFuture.completedFuture(Optional.of(cached));
        }
        return CompletableFuture.supplyAsync(() -> get(userId), executor);
    }

    @Override
    public void put(User user) {
        checkOpen();
        delegate.put(user);
        cache.put(user.id(), user);
    }

    /** Hits, misses, loads and evictions since creation. */
    public CacheStats stats() {
        return cache.stats();
    }

    /** Number of users cached now (approximate, as Caffeine's estimate is). */
    public long cachedUsers() {
        return cache.estimatedSize();
    }

    @Override
    public void close() {
        closed = true;
        cache.invalidateAll();
        delegate.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("user store is closed");
        }
    }
}
