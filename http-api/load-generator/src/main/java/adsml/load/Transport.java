package adsml.load;

import java.util.concurrent.CompletableFuture;

/** Sends one body and answers its HTTP status; fails the future on a transport error. */
@FunctionalInterface
interface Transport extends AutoCloseable {
    CompletableFuture<Integer> send(String body);

    /** Releases threads and connections; nothing to release by default. */
    @Override
    default void close() {}
}
