package adsml.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadSettingsTest {
    private static LoadSettings withUrl(String url) {
        return new LoadSettings(URI.create(url), 8, 0, Duration.ofSeconds(1), Duration.ZERO, 10, 5, 200, 1, 32);
    }

    @Test
    void rankUri_appendsThePathOnce() {
        assertEquals(
                URI.create("http://h:8080/v1/rank"), withUrl("http://h:8080").rankUri());
        assertEquals(
                URI.create("http://h:8080/v1/rank"), withUrl("http://h:8080/").rankUri());
        assertEquals(
                URI.create("http://h:8080/v1/rank"),
                withUrl("http://h:8080/v1/rank").rankUri());
    }

    @Test
    void outOfRange_namesTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withUrl("ftp://h"));
        assertTrue(e.getMessage().contains("--url"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> withUrl("https://h:8443"), "adsml serves no TLS");
        assertTrue(e.getMessage().contains("--url must be an http:// URL"), e.getMessage());
        assertEquals(
                URI.create("HTTP://h:8080/v1/rank"), withUrl("HTTP://h:8080").rankUri());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new LoadSettings(URI.create("http://h"), 1, 0, Duration.ZERO, Duration.ZERO, 10, 5, 200, 1, 4));
        assertTrue(e.getMessage().contains("--duration"), e.getMessage());
    }
}
