package adsml.platform.testing;

import adsml.platform.domain.User;
import adsml.platform.store.UserStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A user store in a map, standing in for RocksDB: it counts reads and remembers being closed. */
public final class InMemoryUserStore implements UserStore {
    private final Map<Integer, User> users = new HashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private volatile boolean closed;

    public InMemoryUserStore() {}

    public InMemoryUserStore(List<User> users) {
        users.forEach(this::put);
    }

    @Override
    public synchronized Optional<User> get(int userId) {
        reads.incrementAndGet();
        return Optional.ofNullable(users.get(userId));
    }

    @Override
    public synchronized void put(User user) {
        users.put(user.id(), user);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** The user stored under {@code id}, without counting a read. */
    public synchronized User stored(int id) {
        return users.get(id);
    }

    public int reads() {
        return reads.get();
    }

    public boolean closed() {
        return closed;
    }
}
