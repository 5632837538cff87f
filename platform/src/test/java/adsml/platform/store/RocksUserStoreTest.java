package adsml.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.WorldConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;

class RocksUserStoreTest {
    private static List<User> users;

    @TempDir
    Path dir;

    @BeforeAll
    static void world() {
        users = WorldGenerator.generate(new WorldConfig(3, 50, 2_000, 0, 0), ProgressListener.NONE)
                .users();
    }

    @Test
    void putAll_roundTripsEveryUser() {
        try (RocksUserStore store = RocksUserStore.open(dir)) {
            store.putAll(users);
            for (User u : users) {
                assertEquals(u, store.get(u.id()).orElseThrow());
            }
        }
    }

    @Test
    void open_afterCloseKeepsTheData() {
        try (RocksUserStore store = RocksUserStore.open(dir)) {
            store.putAll(users);
        }
        try (RocksUserStore store = RocksUserStore.open(dir)) {
            assertEquals(users.get(1234), store.get(1234).orElseThrow());
            assertEquals(users.get(0), store.get(0).orElseThrow());
        }
    }

    @Test
    void get_unknownUserIsEmpty() {
        try (RocksUserStore store = RocksUserStore.open(dir)) {
            store.put(users.get(0));
            assertTrue(store.get(1).isEmpty());
            assertTrue(store.get(-1).isEmpty());
        }
    }

    @Test
    void put_replacesTheEarlierVersion() {
        try (RocksUserStore store = RocksUserStore.open(dir)) {
            User first = users.get(5);
            store.put(first);
            User moved = new User(
                    5,
                    (first.country() + 1) % Vocab.COUNTRIES.length,
                    first.device(),
                    first.ageBucket(),
                    first.interests(),
                    first.interestWeights(),
                    first.embedding());
            store.put(moved);
            assertEquals(moved, store.get(5).orElseThrow());
        }
    }

    @Test
    void get_corruptRecordNamesTheUser() throws Exception {
        try (RocksUserStore store = RocksUserStore.open(dir)) {
            store.put(users.get(7));
        }
        try (RocksDB raw = RocksDB.open(dir.toString())) {
            raw.put(UserCodec.key(7), new byte[] {1, 2, 3});
            byte[] badCountry = UserCodec.encode(users.get(8));
            badCountry[1] = 99;
            raw.put(UserCodec.key(8), badCountry);
        }
        try (RocksUserStore store = RocksUserStore.open(dir)) {
            CorruptRecordException truncated = assertThrows(CorruptRecordException.class, () -> store.get(7));
            assertEquals(7, truncated.userId());
            assertTrue(truncated.getMessage().startsWith("user 7: corrupt record"), truncated.getMessage());
            CorruptRecordException outOfRange = assertThrows(CorruptRecordException.class, () -> store.get(8));
            assertTrue(outOfRange.getMessage().contains("user 8"), outOfRange.getMessage());
        }
    }

    @Test
    void encode_demoUserTakes45Bytes() {
        assertEquals(45, UserCodec.encode(users.get(0)).length);
    }

    @Test
    void close_thenCallsThrow() {
        RocksUserStore store = RocksUserStore.open(dir);
        store.close();
        store.close();
        assertThrows(IllegalStateException.class, () -> store.get(0));
        assertThrows(IllegalStateException.class, () -> store.put(users.get(0)));
    }

    @SuppressWarnings("try") // the open store is the point: it holds the folder
    @Test
    void open_whileAnotherHandleHoldsTheFolderThrows() {
        try (RocksUserStore store = RocksUserStore.open(dir)) {
            StoreException e = assertThrows(StoreException.class, () -> RocksUserStore.open(dir));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
    }
}
