package adsml.platform.featurelog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureSets;
import org.junit.jupiter.api.Test;

class ServedColumnsTest {
    @Test
    void everyBuiltInSet_canBeLogged_noFeatureTakesALoggedColumnsName() {
        for (FeatureAssembly set : FeatureSets.builtIn().all()) {
            assertEquals(
                    ServedColumns.FIRST_SPARSE
                            + set.schema().sparseSlots()
                            + set.schema().denseDims(),
                    ServedColumns.served(set.schema()).getFieldCount(),
                    set.set().id());
        }
    }
}
