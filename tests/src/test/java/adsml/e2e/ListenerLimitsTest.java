package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.server.AdsmlServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each listener holds connections to its own limits: a client that sends half a body and stalls is answered 408 by the
 * public listener after its short body timeout, while the admin listener, whose timeouts are longer, still waits.
 */
class ListenerLimitsTest {
    @TempDir
    static Path data;

    private static AdsmlServer server;

    @BeforeAll
    static void startServer() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        server = ServingFixture.start(
                data,
                Map.of(
                        "adsml.http.public-listener.body-timeout", "2s",
                        "adsml.http.admin-listener.body-timeout", "30s"));
    }

    @AfterAll
    static void stopServer() {
        server.close();
        server = null; // a closed server holds its world and model; the class outlives it
    }

    @Test
    void aStalledBodyOnThePublicListener_isAnswered408AtItsBodyTimeout() throws IOException {
        try (Socket socket = stall(server.started().api())) {
            long started = System.nanoTime();
            String answer = readAnswer(socket, 10_000);
            long waitedMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("did not arrive within 2000 ms"), answer);
            assertTrue(answer.contains("Connection: close"), answer);
            assertTrue(waitedMs >= 1_500 && waitedMs < 8_000, "cut off after " + waitedMs + " ms");
        }
    }

    @Test
    void aStalledBodyOnTheAdminListener_isStillWaitedFor() throws IOException {
        try (Socket socket = stall(server.started().admin())) {
            assertEquals("", readAnswer(socket, 5_000), "the admin listener waits longer than the public one");
        }
    }

    /** Sends the headers of a rank request and half its body, then nothing. */
    private static Socket stall(InetSocketAddress address) throws IOException {
        Socket socket = new Socket(address.getAddress(), address.getPort());
        String body = ServingFixture.rankBody("u1", 5, 200, false);
        String head = "POST /v1/rank HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write((head + body.substring(0, body.length() / 2)).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    /** What the server sent within {@code timeoutMs}, or "" when it sent nothing. */
    private static String readAnswer(Socket socket, int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            int n = in.read(buffer);
            return n <= 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8);
        } catch (SocketTimeoutException e) {
            return "";
        }
    }
}
