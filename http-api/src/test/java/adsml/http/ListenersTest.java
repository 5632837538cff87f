package adsml.http;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class ListenersTest {

    /** A port another process holds is one line naming the port and its setting, not Pekko's stack trace. */
    @Test
    void aTakenPort_isRefusedNamingThePortAndItsSetting_aFreeOneOrAnyPortPasses() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            IOException e = assertThrows(
                    IOException.class,
                    () -> Listeners.requireFree("127.0.0.1", port, "the public listener (--port, adsml.http.port)"));
            assertTrue(
                    e.getMessage()
                            .startsWith("port " + port + " on 127.0.0.1, for the public listener (--port, "
                                    + "adsml.http.port), is in use by another process"),
                    e.getMessage());
        }
        Listeners.requireFree("127.0.0.1", 0, "any");
    }
}
