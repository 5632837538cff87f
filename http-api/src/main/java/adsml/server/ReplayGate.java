package adsml.server;

import adsml.actors.models.ActivationGate;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.config.SettingsReader;
import adsml.platform.domain.Campaign;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.replay.CandidateScores;
import adsml.platform.replay.FeatureLogReplay;
import adsml.platform.replay.OffPolicyEstimator;
import adsml.platform.replay.PromotionRule;
import adsml.platform.replay.ReplayEstimate;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.Scorer;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The registry's replay gate ({@code adsml.server.replay-gate}): before a version replaces the active one, it is
 * replayed on the whole requests the active version served in the feature log's last {@code window}, and refused by the
 * {@link PromotionRule} or when those requests are too few to judge on. One judgement at a time, on a thread of its own
 * at the lowest priority: scoring a few thousand requests' candidates on the CPU takes seconds, never the request
 * path's.
 */
final class ReplayGate implements ActivationGate, AutoCloseable {
    /** Doubly robust corrects the slots the candidate agrees on with the serving policy; see OffPolicyEstimator. */
    private static final double MAX_WEIGHT = 20;

    /**
     * {@code adsml.server.replay-gate}.
     *
     * @param enabled whether activations are judged at all
     * @param window how far back the requests judged on go
     * @param minRequests the fewest whole requests judged on; fewer refuse the activation
     * @param rule the margin and the least effective sample
     */
    record Settings(boolean enabled, Duration window, int minRequests, PromotionRule rule) {
        static Settings from(Config root) {
            SettingsReader r = SettingsReader.of(root, "adsml.server.replay-gate");
            return new Settings(
                    root.getBoolean(r.key("enabled")),
                    r.durationIn("window", Duration.ofMinutes(1), Duration.ofDays(30)),
                    r.intIn("min-requests", 1, 100_000_000),
                    new PromotionRule(r.doubleIn("margin", 0, 0.99), r.doubleIn("min-ess", 0, 1e9)));
        }
    }

    private final Settings settings;
    private final Path models;
    private final Path featureLog;
    private final AuctionSettings auction;
    private final List<Campaign> campaigns;
    private final Clock clock;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "adsml-replay-gate");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });

    ReplayGate(
            Settings settings,
            Path models,
            Path featureLog,
            AuctionSettings auction,
            List<Campaign> campaigns,
            Clock clock) {
        this.settings = settings;
        this.models = models;
        this.featureLog = featureLog;
        this.auction = auction;
        this.campaigns = campaigns;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Optional<String>> check(String candidate, String active) {
        return CompletableFuture.supplyAsync(() -> judge(candidate, active), thread);
    }

    private Optional<String> judge(String candidate, String active) {
        String[] id = candidate.split("/", 2);
        Model model = ModelFolder.load(models.resolve(id[0]).resolve(id[1]));
        long now = clock.millis();
        ReplayEstimate estimate;
        try (Scorer scorer = CpuScorers.of(model)) {
            FeatureLogReplay log = FeatureLogReplay.of(
                    featureLog,
                    model.spec().schema(),
                    auction.billing(),
                    now - settings.window().toMillis(),
                    now,
                    active);
            estimate = OffPolicyEstimator.of(auction, campaigns, MAX_WEIGHT).estimate(log, CandidateScores.of(scorer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (estimate.requests() < settings.minRequests()) {
            return Optional.of(String.format(
                    "replay gate: %,d whole requests of %s in the feature log's last %s, under the %,d it judges on"
                            + " (adsml.server.feature-log.whole-request-rate sets how many are logged whole)",
                    estimate.requests(), active, settings.window(), settings.minRequests()));
        }
        return settings.rule().refusal(estimate, candidate, active).map(why -> "replay gate: " + why);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
