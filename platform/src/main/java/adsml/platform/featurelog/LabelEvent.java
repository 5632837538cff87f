package adsml.platform.featurelog;

import java.util.Objects;

/** A click or a conversion on an ad shown for a request, as the event log recorded it. */
public record LabelEvent(Type type, String requestId, int adId, long loggedAtMs) {
    public enum Type {
        CLICK,
        CONVERSION
    }

    public LabelEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(requestId, "requestId");
    }
}
