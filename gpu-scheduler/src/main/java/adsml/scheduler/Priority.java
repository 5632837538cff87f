package adsml.scheduler;

/** The class of a scoring job: live work is always batched before shadow work. */
public enum Priority {
    /** Traffic whose scores decide an auction. */
    LIVE,
    /** Mirrored traffic for a candidate version; its scores are only compared, so it yields to live work. */
    SHADOW
}
