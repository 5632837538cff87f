package adsml.scheduler;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.Scorer;
import java.util.concurrent.atomic.AtomicBoolean;

/** A scorer whose close also returns its version's memory to the device's budget; closing twice is harmless. */
final class AccountedScorer implements Scorer {
    private final Scorer delegate;
    private final MemoryBudget.Reservation reservation;
    private final AtomicBoolean closed = new AtomicBoolean();

    AccountedScorer(Scorer delegate, MemoryBudget.Reservation reservation) {
        this.delegate = delegate;
        this.reservation = reservation;
    }

    Scorer delegate() {
        return delegate;
    }

    @Override
    public ModelSpec spec() {
        return delegate.spec();
    }

    @Override
    public void score(FeatureBatch batch, float[] out) {
        delegate.score(batch, out);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                delegate.close();
            } finally {
                reservation.close();
            }
        }
    }
}
