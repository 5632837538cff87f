package adsml.actors.models;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a version must pass before it replaces the active one for every user (an activation, a canary's promotion): the
 * server's replay gate, or nothing. A rollback is never gated: it is the way back.
 */
@FunctionalInterface
public interface ActivationGate {
    /** Completes empty when {@code candidate} may replace {@code active}, else with why not, numbers included. */
    CompletionStage<Optional<String>> check(String candidate, String active);

    ActivationGate NONE = (candidate, active) -> CompletableFuture.completedFuture(Optional.empty());
}
