package adsml.platform.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VocabTest {
    @Test
    void indexOf_findsKnownAndRejectsUnknown() {
        assertEquals(0, Vocab.indexOf(Vocab.COUNTRIES, "US"));
        assertEquals(9, Vocab.indexOf(Vocab.COUNTRIES, "MX"));
        assertEquals(5, Vocab.indexOf(Vocab.AGE_BUCKETS, "65+"));
        assertEquals(-1, Vocab.indexOf(Vocab.COUNTRIES, "us"));
        assertEquals(-1, Vocab.indexOf(Vocab.DEVICES, null));
    }
}
