package adsml.platform.domain;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TargetingTest {
    private static final float[] EMB = new float[Vocab.EMBEDDING_DIM];

    /** A user in GB (1), on android (1), aged 25-34 (1), interested in categories 7, 3, 40. */
    private static User user() {
        return new User(0, 1, 1, 1, new int[] {7, 3, 40}, new float[] {0.5f, 0.3f, 0.2f}, EMB);
    }

    @Test
    void matches_anyMatchesEveryone() {
        assertTrue(Targeting.ANY.matches(user()));
    }

    @Test
    void matches_countryInMask() {
        assertTrue(new Targeting(0b11, 0, 0, 0).matches(user()));
        assertFalse(new Targeting(0b01, 0, 0, 0).matches(user()));
    }

    @Test
    void matches_deviceAndAge() {
        assertTrue(new Targeting(0, 0b010, 0b000010, 0).matches(user()));
        assertFalse(new Targeting(0, 0b101, 0, 0).matches(user()));
        assertFalse(new Targeting(0, 0, 0b111101, 0).matches(user()));
    }

    @Test
    void matches_anyOfTheUsersInterests() {
        assertTrue(new Targeting(0, 0, 0, 1L << 40).matches(user()));
        assertTrue(new Targeting(0, 0, 0, (1L << 3) | (1L << 49)).matches(user()));
        assertFalse(new Targeting(0, 0, 0, (1L << 8) | (1L << 49)).matches(user()));
    }

    @Test
    void matches_allDimensionsMustHold() {
        assertFalse(new Targeting(0b10, 0b10, 0b10, 1L << 8).matches(user()));
        assertTrue(new Targeting(0b10, 0b10, 0b10, 1L << 7).matches(user()));
    }

    @Test
    void construct_rejectsBitsBeyondVocabulary() {
        assertThrows(IllegalArgumentException.class, () -> new Targeting(1 << 10, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Targeting(0, 1 << 3, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Targeting(0, 0, 0, 1L << 50));
    }
}
