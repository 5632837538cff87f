package adsml.actors.events;

/**
 * The event log's line format: eight tab-separated fields, type, event id, request id, user, ad id, the client's
 * timestamp (ms), cost (dollars) and the time the log wrote it (ms, the server's clock), then a newline, in UTF-8. Ids
 * never hold a tab or a newline: the HTTP edge allows {@code A-Z a-z 0-9 _ . : -} in event and request ids, and no
 * control character or lone surrogate in user ids.
 */
final class EventLines {
    private static final int FIELDS = 8;

    private EventLines() {}

    /** An event read back from the log, with the time it was written. */
    record Logged(Event event, long loggedAtMs) {}

    static void append(StringBuilder out, Event e, long loggedAtMs) {
        out.append(e.type().name())
                .append('\t')
                .append(e.eventId())
                .append('\t')
                .append(e.requestId())
                .append('\t')
                .append(e.userKey())
                .append('\t')
                .append(e.adId())
                .append('\t')
                .append(e.timestampMs())
                .append('\t')
                .append(e.cost())
                .append('\t')
                .append(loggedAtMs)
                .append('\n');
    }

    /**
     * The event on {@code line} (without its newline), or null when the line is not one: a line of the six-field format
     * written before events had ids, or damage.
     */
    static Logged parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != FIELDS || f[1].isEmpty()) {
            return null;
        }
        try {
            Event event = new Event(
                    Event.Type.valueOf(f[0]),
                    f[1],
                    f[2],
                    f[3],
                    Integer.parseInt(f[4]),
                    Long.parseLong(f[5]),
                    Double.parseDouble(f[6]));
            return new Logged(event, Long.parseLong(f[7]));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
