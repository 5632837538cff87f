package adsml.platform.store;

import adsml.platform.domain.User;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Users by id: the online feature store's user rows.
 *
 * <p>Contract: {@link #get} returns the user last {@link #put} under that id, or empty when there is none (a cold-start
 * user); a put is visible to every get that starts after it returns. Implementations are thread-safe. Failures are
 * unchecked {@link StoreException}s; after {@link #close} every call throws {@link IllegalStateException}.
 */
public interface UserStore extends AutoCloseable {

    /** The user with this id, or empty when the store has none. */
    Optional<User> get(int userId);

    /**
     * As {@link #get}, for callers that must not block: complete at once when the store can answer without I/O,
     * otherwise loaded on {@code executor}. Failures complete the future exceptionally.
     */
    default CompletableFuture<Optional<User>> getAsync(int userId, Executor executor) {
        return CompletableFuture.supplyAsync(() -> get(userId), executor);
    }

    /** Stores {@code user} under its id, replacing any earlier version. */
    void put(User user);

    /** Releases the store's resources (files, native memory). Idempotent. */
    @Override
    void close();
}
