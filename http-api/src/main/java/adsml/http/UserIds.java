package adsml.http;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The one rule for the user id a request names, on {@code /v1/rank} and {@code /v1/events} alike, so that every user a
 * client may rank for can have its events counted: 1 to 128 UTF-16 code units of well-formed Unicode, none a control
 * character (the event log is UTF-8 lines of tab-separated fields, and a lone surrogate would come back from it as '?',
 * another user).
 */
final class UserIds {
    static final int MAX_LENGTH = 128;

    private UserIds() {}

    /** {@code node}'s {@code field}; a {@link BadRequestException} naming {@code where} when it breaks the rule. */
    static String read(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new BadRequestException(where + ": required");
        }
        if (!v.isTextual() || !valid(v.asText())) {
            throw new BadRequestException(where + ": expected a string of 1 to " + MAX_LENGTH
                    + " characters of Unicode, none a control character, got "
                    + JsonResponses.abbreviated(v.toString()));
        }
        return v.asText();
    }

    private static boolean valid(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))) {
                i++; // a pair: one character outside the BMP
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
