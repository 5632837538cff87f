package adsml.platform.scoring;

import adsml.platform.model.Model;

/** The CPU scorer for any model version: DJL's native ops for DCN and LR, the TorchScript module for TorchScript. */
public final class CpuScorers {
    private CpuScorers() {
    }

    public static Scorer of(Model model) {
        if (model instanceof Model.TorchScript torchScript) {
            return TorchScriptScorer.of(torchScript);
        }
        return DjlScorer.of(model);
    }
}
