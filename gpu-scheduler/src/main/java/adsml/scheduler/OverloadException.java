package adsml.scheduler;

import java.time.Duration;

/**
 * Refused for lack of capacity: too many requests in progress, a full queue, a deadline the queue cannot meet. Shed
 * before any work is spent on the request.
 */
public class OverloadException extends UnavailableException {
    /** @param retryAfter the estimated time for the backlog to drain */
    public OverloadException(String message, Duration retryAfter) {
        super(message, retryAfter);
    }
}
