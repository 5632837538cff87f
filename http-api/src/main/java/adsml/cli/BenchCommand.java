package adsml.cli;

import adsml.platform.index.ann.IvfIndex;
import adsml.platform.offline.bench.RetrievalBench;
import adsml.platform.offline.generator.InventoryGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code adsml bench retrieval}: the retrieval benchmark ({@link RetrievalBench}), as a table or as JSON; {@code adsml
 * bench funnel} is {@link FunnelBenchCommand}.
 */
final class BenchCommand {
    private BenchCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (!argv.isEmpty() && argv.get(0).equals("funnel")) {
            return FunnelBenchCommand.run(argv.subList(1, argv.size()), out, err);
        }
        if (argv.isEmpty() || !argv.get(0).equals("retrieval")) {
            throw new Args.UsageException("bench: name what to measure: bench retrieval ... or bench funnel ...");
        }
        Args args = Args.parse(
                "bench retrieval",
                argv.subList(1, argv.size()),
                Set.of(
                        "ads",
                        "dim",
                        "queries",
                        "k",
                        "seed",
                        "search-share",
                        "latent",
                        "lists",
                        "min-lists",
                        "tolerance",
                        "max-candidates",
                        "data",
                        "compare"),
                Set.of("json"));
        int ads = args.integer("ads", 1_000_000);
        String compare = args.string("compare", "");
        if (!compare.isEmpty() && !compare.equals("lucene")) {
            throw new Args.UsageException("bench retrieval: --compare takes 'lucene', got '" + compare + "'");
        }
        RetrievalBench.Config config;
        try {
            IvfIndex.Settings defaults = IvfIndex.Settings.forAds(Math.max(1, ads));
            IvfIndex.Settings settings = new IvfIndex.Settings(
                    args.integer("lists", defaults.lists()),
                    args.integer("min-lists", defaults.minLists()),
                    args.decimal("tolerance", defaults.tolerance()),
                    args.integer("max-candidates", defaults.maxCandidatesPerResult()),
                    defaults.deltaLimit());
            String data = args.string("data", null);
            config = new RetrievalBench.Config(
                    ads,
                    space(args),
                    args.integer("queries", 1000),
                    args.integer("k", 1000),
                    args.longValue("seed", 1),
                    args.decimal("search-share", 0.2),
                    settings,
                    data == null ? null : Path.of(data),
                    compare.equals("lucene"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("bench retrieval: " + e.getMessage());
        }
        RetrievalBench.Report report = RetrievalBench.run(config, err);
        out.print(args.flag("json") ? json(report) : table(report));
        return 0;
    }

    private static InventoryGenerator.Space space(Args args) {
        int dim = args.integer("dim", 64);
        return new InventoryGenerator.Space(
                dim, args.integer("latent", Math.min(dim, InventoryGenerator.DEFAULT_LATENT)));
    }

    static String json(RetrievalBench.Report r) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        RetrievalBench.Config c = r.config();
        root.put("ads", c.ads())
                .put("dim", c.space().dim())
                .put("index", r.ivf().index())
                .put("recall_at_" + c.k(), r.ivf().recall())
                .put("p50_ms", r.ivf().p50Ms())
                .put("p99_ms", r.ivf().p99Ms())
                .put("exact_p50_ms", r.exactP50Ms())
                .put("build_s", r.ivf().buildSeconds())
                .put("bytes_per_ad", Math.round(r.ivf().bytesPerAd()))
                .put("update_visible_ms", r.updateVisibleMs());
        root.put("k", c.k())
                .put("latent_dim", c.space().latent())
                .put("queries", c.queries())
                .put("search_share", c.searchShare())
                .put("recall_feed", r.ivf().recallFeed())
                .put("recall_search", r.ivf().recallSearch())
                .put("max_ms", r.ivf().maxMs())
                .put("lists", r.lists())
                .put("min_lists", c.settings().minLists())
                .put("tolerance", c.settings().tolerance())
                .put("max_candidates_per_result", c.settings().maxCandidatesPerResult())
                .put("eligible_share_min", r.minEligibleShare())
                .put("eligible_share_median", r.medianEligibleShare())
                .put("generate_s", r.generateSeconds())
                .put("loaded_from_file", r.loaded())
                .put("upsert_visible_ms", r.upsertVisibleMs())
                .put("change_visible_ms", r.changeVisibleMs())
                .put("pause_visible_ms", r.pauseVisibleMs())
                .put("fold_ms", r.foldMs())
                .put("cores", Runtime.getRuntime().availableProcessors());
        for (RetrievalBench.Result o : r.others()) {
            root.putObject(o.index())
                    .put("recall_at_" + c.k(), o.recall())
                    .put("recall_feed", o.recallFeed())
                    .put("recall_search", o.recallSearch())
                    .put("p50_ms", o.p50Ms())
                    .put("p99_ms", o.p99Ms())
                    .put("build_s", o.buildSeconds())
                    .put("bytes_per_ad", Math.round(o.bytesPerAd()));
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    static String table(RetrievalBench.Report r) {
        RetrievalBench.Config c = r.config();
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                "%,d ads, %d dimensions (latent %d), top %d, %,d requests (%.0f%% category searches)%n",
                c.ads(), c.space().dim(), c.space().latent(), c.k(), c.queries(), 100 * c.searchShare()));
        s.append(String.format(
                "%-18s %8s %8s %8s %9s %9s %9s %10s%n",
                "index", "recall", "feed", "search", "p50 ms", "p99 ms", "build s", "bytes/ad"));
        for (RetrievalBench.Result o : concat(r.ivf(), r.others())) {
            s.append(String.format(
                    "%-18s %8.4f %8.4f %8.4f %9.3f %9.3f %9.1f %10.0f%n",
                    o.index(),
                    o.recall(),
                    o.recallFeed(),
                    o.recallSearch(),
                    o.p50Ms(),
                    o.p99Ms(),
                    o.buildSeconds(),
                    o.bytesPerAd()));
        }
        s.append(String.format("%-18s %8s %8s %8s %9.3f%n", "exact", "1", "1", "1", r.exactP50Ms()));
        s.append(String.format(
                "update visible in %.2f ms (upsert %.2f, change %.2f, pause %.2f); fold of %d ads %.0f ms%n",
                r.updateVisibleMs(),
                r.upsertVisibleMs(),
                r.changeVisibleMs(),
                r.pauseVisibleMs(),
                r.foldedAds(),
                r.foldMs()));
        return s.toString();
    }

    private static List<RetrievalBench.Result> concat(RetrievalBench.Result first, List<RetrievalBench.Result> rest) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(first), rest.stream())
                .toList();
    }
}
