package adsml.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.testing.InMemoryUserStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachedUserStoreTest {

    private static User user(int id, int country) {
        return new User(
                id, country, 0, 0, new int[] {1, 2, 3}, new float[] {0.5f, 0.3f, 0.2f}, new float[Vocab.EMBEDDING_DIM]);
    }

    @Test
    void get_secondReadIsAHit() {
        InMemoryUserStore backing = new InMemoryUserStore();
        backing.put(user(1, 0));
        try (CachedUserStore store = new CachedUserStore(backing, 100)) {
            assertEquals(user(1, 0), store.get(1).orElseThrow());
            assertEquals(user(1, 0), store.get(1).orElseThrow());
            assertEquals(1, store.stats().hitCount());
            assertEquals(1, store.stats().missCount());
            assertEquals(1, backing.reads());
        }
    }

    @Test
    void getAsync_answersAHitAtOnceAndLoadsAMissOnTheExecutor() {
        InMemoryUserStore backing = new InMemoryUserStore();
        backing.put(user(1, 0));
        backing.put(user(2, 0));
        List<Runnable> queued = new ArrayList<>();
        try (CachedUserStore store = new CachedUserStore(backing, 100)) {
            store.get(1);
            CompletableFuture<Optional<User>> hit = store.getAsync(1, queued::add);
            assertTrue(hit.isDone());
            assertEquals(1, hit.join().orElseThrow().id());
            CompletableFuture<Optional<User>> miss = store.getAsync(2, queued::add);
            assertFalse(miss.isDone(), "a miss must not read the delegate on the caller's thread");
            assertEquals(1, queued.size());
            queued.get(0).run();
            assertEquals(2, miss.join().orElseThrow().id());
            assertEquals(1, store.stats().hitCount(), "the asynchronous hit, counted once");
            assertEquals(2, store.stats().missCount(), "the first get(1) and the asynchronous miss, each once");
        }
    }

    @Test
    void put_writesThroughAndUpdatesTheCache() {
        InMemoryUserStore backing = new InMemoryUserStore();
        try (CachedUserStore store = new CachedUserStore(backing, 100)) {
            store.put(user(2, 0));
            store.put(user(2, 3));
            assertEquals(user(2, 3), backing.stored(2));
            assertEquals(user(2, 3), store.get(2).orElseThrow());
            assertEquals(1, store.stats().hitCount());
            assertEquals(0, backing.reads());
        }
    }

    @Test
    void get_missingUsersAreNotCached() {
        InMemoryUserStore backing = new InMemoryUserStore();
        try (CachedUserStore store = new CachedUserStore(backing, 100)) {
            assertTrue(store.get(3).isEmpty());
            backing.put(user(3, 1));
            assertEquals(user(3, 1), store.get(3).orElseThrow());
            assertEquals(2, store.stats().missCount());
        }
    }

    @Test
    void close_closesTheDelegate() {
        InMemoryUserStore backing = new InMemoryUserStore();
        CachedUserStore store = new CachedUserStore(backing, 10);
        store.close();
        assertTrue(backing.closed());
        assertThrows(IllegalStateException.class, () -> store.get(1));
    }

    @Test
    void get_overRocksDbCountsHits(@TempDir Path dir) {
        try (CachedUserStore store = new CachedUserStore(RocksUserStore.open(dir), 1_000)) {
            store.put(user(4, 2));
            for (int i = 0; i < 5; i++) {
                assertEquals(user(4, 2), store.get(4).orElseThrow());
            }
            assertEquals(5, store.stats().hitCount());
        }
    }
}
