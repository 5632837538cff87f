package adsml.platform.world;

import adsml.platform.domain.Vocab;

/**
 * A cursor over the comma-separated fields of one CSV line, parsing by hand (no regex, no split) and turning every
 * problem into an {@link InvalidWorldException} naming file, line and field. Reused line after line to keep reading a
 * million rows cheap.
 */
final class CsvRow {
    private final String file;
    private String line;
    private long lineNumber;
    private int pos;
    private int start;
    private int end;

    CsvRow(String file) {
        this.file = file;
    }

    void reset(String line, long lineNumber) {
        this.line = line;
        this.lineNumber = lineNumber;
        this.pos = 0;
    }

    InvalidWorldException error(String field, String message) {
        return new InvalidWorldException(file + " line " + lineNumber + ": field '" + field + "': " + message);
    }

    /** Moves to the next field, setting [start, end). */
    private void advance(String field) {
        if (pos > line.length()) {
            throw error(field, "missing (line ends early)");
        }
        int comma = line.indexOf(',', pos);
        start = pos;
        end = comma < 0 ? line.length() : comma;
        pos = end + 1;
    }

    private String raw() {
        return line.substring(start, end);
    }

    String nextString(String field) {
        advance(field);
        return raw();
    }

    long nextLong(String field) {
        advance(field);
        return parseLong(field, start, end);
    }

    int nextInt(String field, int min, int maxInclusive) {
        advance(field);
        return checkRange(field, parseLong(field, start, end), min, maxInclusive, start, end);
    }

    private int checkRange(String field, long v, int min, int maxInclusive, int s, int e) {
        if (v < min || v > maxInclusive) {
            throw error(field, "expected " + min + ".." + maxInclusive + ", got '" + line.substring(s, e) + "'");
        }
        return (int) v;
    }

    private long parseLong(String field, int s, int e) {
        int i = s;
        boolean negative = false;
        if (i < e && line.charAt(i) == '-') {
            negative = true;
            i++;
        }
        if (i == e || e - i > 18) {
            throw error(field, "expected an integer, got '" + line.substring(s, e) + "'");
        }
        long v = 0;
        for (; i < e; i++) {
            char ch = line.charAt(i);
            if (ch < '0' || ch > '9') {
                throw error(field, "expected an integer, got '" + line.substring(s, e) + "'");
            }
            v = v * 10 + (ch - '0');
        }
        return negative ? -v : v;
    }

    boolean next01(String field) {
        advance(field);
        if (end - start == 1) {
            char ch = line.charAt(start);
            if (ch == '0') {
                return false;
            }
            if (ch == '1') {
                return true;
            }
        }
        throw error(field, "expected 0 or 1, got '" + raw() + "'");
    }

    float nextFloat(String field) {
        advance(field);
        return parseFloat(field, start, end);
    }

    private float parseFloat(String field, int s, int e) {
        String text = line.substring(s, e);
        float v;
        try {
            v = Float.parseFloat(text);
        } catch (NumberFormatException ex) {
            throw error(field, "expected a number, got '" + text + "'");
        }
        if (!Float.isFinite(v)
                || text.isEmpty()
                || Character.isWhitespace(text.charAt(0))
                || Character.isWhitespace(text.charAt(text.length() - 1))) {
            throw error(field, "expected a finite number, got '" + text + "'");
        }
        return v;
    }

    /** A probability in [0, 1]. */
    float nextProbability(String field) {
        float v = nextFloat(field);
        if (v < 0f || v > 1f) {
            throw error(field, "expected a probability in [0, 1], got '" + raw() + "'");
        }
        return v;
    }

    /** A positive finite number. */
    float nextPositive(String field) {
        float v = nextFloat(field);
        if (!(v > 0f)) {
            throw error(field, "expected a positive number, got '" + raw() + "'");
        }
        return v;
    }

    /** A name from {@code vocab}, returned as its index. */
    int nextName(String field, String[] vocab) {
        advance(field);
        return nameIndex(field, vocab, start, end);
    }

    private int nameIndex(String field, String[] vocab, int s, int e) {
        int len = e - s;
        for (int i = 0; i < vocab.length; i++) {
            if (vocab[i].length() == len && line.regionMatches(s, vocab[i], 0, len)) {
                return i;
            }
        }
        throw error(field, "unknown value '" + line.substring(s, e) + "'");
    }

    /** {@code |}-joined names from {@code vocab} as a bit mask; empty is 0 (any). */
    int nextNameMask(String field, String[] vocab) {
        advance(field);
        int mask = 0;
        int s = start;
        while (s < end) {
            int bar = line.indexOf('|', s);
            int e = bar < 0 || bar > end ? end : bar;
            mask |= 1 << nameIndex(field, vocab, s, e);
            s = e + 1;
            if (s == end) {
                throw error(field, "empty value after '|' in '" + raw() + "'");
            }
        }
        return mask;
    }

    /** {@code |}-joined category ids as a bit mask; empty is 0 (any). */
    long nextCategoryMask(String field) {
        advance(field);
        long mask = 0;
        int s = start;
        while (s < end) {
            int bar = line.indexOf('|', s);
            int e = bar < 0 || bar > end ? end : bar;
            mask |= 1L << checkRange(field, parseLong(field, s, e), 0, Vocab.NUM_CATEGORIES - 1, s, e);
            s = e + 1;
            if (s == end) {
                throw error(field, "empty value after '|' in '" + raw() + "'");
            }
        }
        return mask;
    }

    /** Exactly {@code count} {@code |}-joined finite floats. */
    float[] nextFloats(String field, int count) {
        advance(field);
        int found = countValues();
        if (found != count) {
            throw error(field, "expected " + count + " values, got " + found);
        }
        float[] out = new float[count];
        int s = start;
        for (int k = 0; k < count; k++) {
            int bar = line.indexOf('|', s);
            int e = bar < 0 || bar > end ? end : bar;
            out[k] = parseFloat(field, s, e);
            s = e + 1;
        }
        return out;
    }

    /** Exactly {@code count} {@code |}-joined ints in [min, maxInclusive]. */
    int[] nextInts(String field, int count, int min, int maxInclusive) {
        advance(field);
        int found = countValues();
        if (found != count) {
            throw error(field, "expected " + count + " values, got " + found);
        }
        int[] out = new int[count];
        int s = start;
        for (int k = 0; k < count; k++) {
            int bar = line.indexOf('|', s);
            int e = bar < 0 || bar > end ? end : bar;
            out[k] = checkRange(field, parseLong(field, s, e), min, maxInclusive, s, e);
            s = e + 1;
        }
        return out;
    }

    private int countValues() {
        if (start == end) {
            return 0;
        }
        int n = 1;
        for (int i = start; i < end; i++) {
            if (line.charAt(i) == '|') {
                n++;
            }
        }
        return n;
    }

    /** Fails when the line has fields beyond the expected ones. */
    void end(int expectedFields) {
        if (pos <= line.length()) {
            throw new InvalidWorldException(
                    file + " line " + lineNumber + ": expected " + expectedFields + " fields, got more");
        }
    }
}
