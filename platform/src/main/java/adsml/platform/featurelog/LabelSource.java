package adsml.platform.featurelog;

/**
 * The clicks and conversions that the join attributes to served rows, supplied by whoever reads the event log (it lives
 * in another module).
 */
@FunctionalInterface
public interface LabelSource {
    /**
     * Every click and conversion logged within {@code [fromMs, toMs]}; more is allowed (the join checks each event's
     * time), fewer loses labels.
     */
    Iterable<LabelEvent> between(long fromMs, long toMs);
}
