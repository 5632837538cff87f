package adsml.platform.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

/** What is wrong with a model file's JSON, for an {@link InvalidModelException}. */
final class JsonProblem {
    private JsonProblem() {}

    /**
     * Jackson's own words with the place, except for its bounds: those messages name its classes and getters, and carry
     * no location.
     */
    static String of(JsonProcessingException e) {
        if (e instanceof StreamConstraintsException) {
            return "past the parser's bounds (nesting depth, number or string length)";
        }
        JsonLocation at = e.getLocation();
        return e.getOriginalMessage()
                + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
    }
}
