package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import adsml.actors.models.RegistryRefusal;
import adsml.actors.models.VersionFolders;
import adsml.platform.features.FeatureSets;
import adsml.platform.funnel.LightRanker;
import adsml.platform.model.InvalidModelException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The funnel's light model, relative to {@code /admin/api}: {@code GET light-model} (which version cuts retrieval,
 * since when, the funnel's widths, and which version the inventory scan light-ranks every eligible ad by, if any),
 * {@code POST light-model/{name}/{version}/activate} (read, checked and swapped in while serving: the next request is
 * cut by it; 404 for no such version, 400 for a bad name, 409 with the reason for a version that may not serve) and
 * {@code DELETE light-model} (no light stage: retrieval's best {@code maxCandidates} go to the heavy model). A version
 * loads on the blocking executor, never on the routes' threads.
 */
public final class LightModelRoutes {

    /**
     * The body of every answer. {@code onScan}: the version the inventory scan ranks every eligible ad by (kind =
     * scan), null when none: another index, until its priors are written after an activation, or a version the scan
     * cannot carry (the CPU cut serves it, and the server's log says why).
     */
    public record LightModelView(
            String active, String featureSet, Instant since, int retrieveWidth, int maxCandidates, String onScan) {}

    private final LightRanker light;
    private final FeatureSets sets;
    private final Path modelsRoot;
    private final int retrieveWidth;
    private final int maxCandidates;
    private final Executor blocking;
    private final Clock clock;
    private final Supplier<Optional<String>> onScan;
    private Instant since; // guarded by this

    public LightModelRoutes(
            LightRanker light,
            FeatureSets sets,
            Path modelsRoot,
            int retrieveWidth,
            int maxCandidates,
            Executor blocking,
            Clock clock,
            Supplier<Optional<String>> onScan) {
        this.light = light;
        this.sets = sets;
        this.modelsRoot = modelsRoot;
        this.retrieveWidth = retrieveWidth;
        this.maxCandidates = maxCandidates;
        this.blocking = blocking;
        this.clock = clock;
        this.onScan = onScan;
        this.since = light.active().isPresent() ? clock.instant() : null;
    }

    public Route routes() {
        return pathPrefix(
                "light-model",
                () -> concat(
                        pathEnd(() -> concat(
                                get(() -> completeWithFuture(answer(() -> JsonResponses.ok(view())))),
                                delete(() -> completeWithFuture(answer(() -> JsonResponses.ok(end())))))),
                        path(
                                PathMatchers.segment()
                                        .slash(PathMatchers.segment())
                                        .slash("activate"),
                                (name, version) -> post(() -> completeWithFuture(answer(() -> {
                                    Path dir = VersionFolders.resolve(modelsRoot, name, version);
                                    LightRanker.Version loaded;
                                    try {
                                        loaded = LightRanker.load(dir, sets);
                                    } catch (InvalidModelException e) {
                                        throw new RegistryRefusal(
                                                RegistryRefusal.Kind.CONFLICT,
                                                e.getMessage()
                                                        .replace(dir + "/", "")
                                                        .replace(dir.toString(), "."));
                                    }
                                    return JsonResponses.ok(activate(loaded));
                                }))))));
    }

    // The version and its time change together, and a view reads both at once: two swaps at the same moment must not
    // leave one's version with the other's time. Reading and checking a version happens before, outside the lock.

    private synchronized LightModelView activate(LightRanker.Version version) {
        light.activate(version);
        since = clock.instant();
        return view();
    }

    private synchronized LightModelView end() {
        if (light.active().isPresent()) {
            light.end();
            since = clock.instant();
        }
        return view();
    }

    private synchronized LightModelView view() {
        String scanned = onScan.get().orElse(null);
        return light.active()
                .map(v -> new LightModelView(v.id(), v.set().set().id(), since, retrieveWidth, maxCandidates, scanned))
                .orElse(new LightModelView(null, null, since, retrieveWidth, maxCandidates, scanned));
    }

    private CompletableFuture<HttpResponse> answer(Supplier<HttpResponse> work) {
        return CompletableFuture.supplyAsync(work, blocking).exceptionally(ErrorMapping::toResponse);
    }
}
