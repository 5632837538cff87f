package adsml.platform.scoring;

import adsml.platform.model.Model;
import java.util.Locale;

/**
 * The CPU scorer for any model version: DJL's native ops for DCN and LR, the TorchScript module for TorchScript; on the
 * {@link Engine#REFERENCE reference engine}, the plain-Java forward pass.
 */
public final class CpuScorers {
    /** {@code adsml.scheduler.cpu.engine}: what scores on the CPU. */
    public enum Engine {
        /** DJL's PyTorch engine: the serving engine. */
        DJL,
        /**
         * The plain-Java {@link ReferenceScorer}, about 25 times slower (106 ms per 1000 demo rows on one core, against
         * about 4 ms with DJL): for checking another backend's scores end to end through the server, and where DJL's
         * native library is absent (a GPU machine that carries a trimmed runtime). No TorchScript.
         */
        REFERENCE;

        /** The engine named {@code name} (case-insensitive), or an error that lists the choices. */
        public static Engine named(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown cpu engine '" + name + "' (known: djl, reference)");
            }
        }
    }

    private CpuScorers() {}

    public static Scorer of(Model model) {
        return of(model, Engine.DJL);
    }

    /** @throws IllegalArgumentException for a TorchScript version on the reference engine */
    public static Scorer of(Model model, Engine engine) {
        if (engine == Engine.REFERENCE) {
            return ReferenceScorer.of(model);
        }
        if (model instanceof Model.TorchScript torchScript) {
            return TorchScriptScorer.of(torchScript);
        }
        return DjlScorer.of(model);
    }
}
