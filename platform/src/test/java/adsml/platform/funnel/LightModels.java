package adsml.platform.funnel;

import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureSetFile;
import adsml.platform.model.Architecture;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.ReferenceScorer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Light models for the funnel's tests. */
final class LightModels {
    private LightModels() {}

    /** An LR over {@code set} with weights uniform in [-sd, sd], a CTR head and, for {@code heads = 2}, a CVR head. */
    static LightRanker.Version randomLr(String id, FeatureAssembly set, double sd, int heads, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] sparse = new float[heads * set.schema().totalRows()];
        float[] dense = new float[heads * set.schema().denseDims()];
        for (int i = 0; i < sparse.length; i++) {
            sparse[i] = (float) (sd * (random.nextDouble() * 2 - 1));
        }
        for (int i = 0; i < dense.length; i++) {
            dense[i] = (float) (sd * (random.nextDouble() * 2 - 1));
        }
        float[] bias = heads == 2 ? new float[] {-4f, -3f} : new float[] {-4f};
        ModelSpec spec = new ModelSpec(
                "light",
                "1",
                Architecture.LR,
                set.schema(),
                0,
                0,
                List.of(),
                heads == 2 ? ModelSpec.CTR_CVR : List.of("ctr"),
                Map.of(),
                null,
                Map.of());
        return new LightRanker.Version(
                id, set, ReferenceScorer.of(new Model.Lr(spec, new LrWeights(sparse, dense, bias))));
    }

    /**
     * An LR whose one feature is the user's latent factors times the ad's bid: a request term with an ad attribute the
     * scan's vector does not hold, so not something the scan can rank by.
     */
    static LightRanker.Version bidByUser(String id) {
        FeatureAssembly set = FeatureSetFile.parse(
                        "name = bids\nversion = 1\ndense = [{name = user_x_bid, group = cross, kind = outer,"
                                + " sources = [user.embedding, campaign.bid]}]",
                        "bids-v1.conf")
                .assembly();
        return randomLr(id, set, 1.0, 2, 3);
    }
}
