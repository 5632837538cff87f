package adsml.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The socket transport against a scripted HTTP/1.1 server: framing, keep-alive and connections the server closes. */
class SocketTransportTest {

    @Test
    void fixedLengthAndChunkedAnswersShareOneConnection() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                        List.of(
                                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                                "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n4;x=1\r\nbusy\r\n3\r\n...\r\n0\r\n\r\n",
                                "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"),
                        false);
                SocketTransport transport = new SocketTransport(server.uri(), Duration.ofSeconds(5))) {
            assertEquals(200, send(transport, "{\"a\":1}"));
            assertEquals(503, send(transport, "{}"));
            assertEquals(200, send(transport, "{}"));
            assertEquals(1, server.connections.get());
            assertEquals("{\"a\":1}", server.bodies.peek());
        }
    }

    @Test
    void aConnectionClosedByTheServerWhileIdleIsReplacedAndTheRequestSentOnce() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                        List.of(
                                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                                "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"),
                        true);
                SocketTransport transport = new SocketTransport(server.uri(), Duration.ofSeconds(5))) {
            assertEquals(200, send(transport, "{}"));
            server.awaitClosed();
            assertEquals(201, send(transport, "{}"));
            assertEquals(2, server.connections.get());
            assertEquals(2, server.bodies.size());
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                        List.of(
                                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                        false);
                SocketTransport transport = new SocketTransport(server.uri(), Duration.ofSeconds(5))) {
            assertEquals(200, send(transport, "{}"));
            assertEquals(200, send(transport, "{}"));
            assertEquals(2, server.connections.get());
        }
    }

    @Test
    void anAnswerCutOffFailsTheRequest() throws Exception {
        try (ScriptedServer server =
                        new ScriptedServer(List.of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), true);
                SocketTransport transport = new SocketTransport(server.uri(), Duration.ofSeconds(5))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> send(transport, "{}"));
            assertInstanceOf(IOException.class, e.getCause());
        }
    }

    @Test
    void aStatusLineCutOffOnAReusedConnectionFailsTheRequestAndIsNotSentAgain() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                        List.of(
                                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                                "HTTP/1.1 5",
                                "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"),
                        false,
                        2);
                SocketTransport transport = new SocketTransport(server.uri(), Duration.ofSeconds(5))) {
            assertEquals(200, send(transport, "{}"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> send(transport, "{}"));
            assertInstanceOf(IOException.class, e.getCause());
            assertEquals(2, server.bodies.size(), "the cut-off request was sent again");
        }
    }

    @Test
    void interimAnswersAreSkippedAndNoBodyIsReadFor304() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                        List.of(
                                "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                                "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
                                "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"),
                        false);
                SocketTransport transport = new SocketTransport(server.uri(), Duration.ofSeconds(2))) {
            assertEquals(200, send(transport, "{}"));
            assertEquals(304, send(transport, "{}"));
            assertEquals(201, send(transport, "{}"));
            assertEquals(1, server.connections.get());
        }
    }

    @Test
    void closeEndsAnExchangeInFlightWithoutSendingItAgain() throws Exception {
        // The second answer never comes: close() must fail that request, not resend it.
        try (ScriptedServer server =
                new ScriptedServer(List.of("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), false)) {
            SocketTransport transport = new SocketTransport(server.uri(), Duration.ofSeconds(30));
            assertEquals(200, send(transport, "{}"));
            var pending = transport.send("{}");
            server.awaitBodies(2);
            long closing = System.nanoTime();
            transport.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, e.getCause());
            assertTrue(System.nanoTime() - closing < TimeUnit.SECONDS.toNanos(5), "close() left the exchange waiting");
            Thread.sleep(200);
            assertEquals(2, server.bodies.size(), "the request was sent again after close()");
        }
    }

    @Test
    void aRequestHasTheWholeTimeoutNotOnePerRead() throws Exception {
        try (TricklingServer server = new TricklingServer("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", 300)) {
            SocketTransport transport = new SocketTransport(server.uri(), Duration.ofMillis(1000));
            long start = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class, () -> send(transport, "{}"));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertInstanceOf(java.net.SocketTimeoutException.class, e.getCause());
            assertTrue(tookMs < 2_500, "timed out after " + tookMs + " ms, not about 1000");
            transport.close();
        }
    }

    private static int send(SocketTransport transport, String body) throws Exception {
        return transport.send(body).get(10, TimeUnit.SECONDS);
    }

    /**
     * Answers the requests it reads with {@code answers} in turn, one connection at a time; with {@code closeAfterEach}
     * it closes the connection after each answer without saying so.
     */
    /** Answers one request a byte at a time, {@code pauseMs} apart. */
    private static final class TricklingServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());

        TricklingServer(String answer, long pauseMs) throws IOException {
            Thread thread = new Thread(
                    () -> {
                        try (Socket s = socket.accept()) {
                            ScriptedServer.readRequest(new BufferedInputStream(s.getInputStream()));
                            OutputStream out = s.getOutputStream();
                            for (byte b : answer.getBytes(StandardCharsets.US_ASCII)) {
                                out.write(b);
                                out.flush();
                                Thread.sleep(pauseMs);
                            }
                        } catch (IOException | InterruptedException e) {
                            // the client gave up
                        }
                    },
                    "trickling-http");
            thread.setDaemon(true);
            thread.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/v1/rank");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static final class ScriptedServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        private final Thread thread;
        final AtomicInteger connections = new AtomicInteger();
        final Queue<String> bodies = new ConcurrentLinkedQueue<>();
        private volatile boolean closedOne;

        ScriptedServer(List<String> answers, boolean closeAfterEach) throws IOException {
            this(answers, closeAfterEach, -1);
        }

        /** @param closeAfter the answer (counted from 1) after which the connection is closed, or -1 */
        ScriptedServer(List<String> answers, boolean closeAfterEach, int closeAfter) throws IOException {
            thread = new Thread(() -> serve(answers, closeAfterEach, closeAfter), "scripted-http");
            thread.setDaemon(true);
            thread.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/v1/rank");
        }

        void awaitClosed() throws InterruptedException {
            for (int i = 0; i < 500 && !closedOne; i++) {
                Thread.sleep(10);
            }
        }

        void awaitBodies(int n) throws InterruptedException {
            for (int i = 0; i < 500 && bodies.size() < n; i++) {
                Thread.sleep(10);
            }
        }

        private void serve(List<String> answers, boolean closeAfterEach, int closeAfter) {
            int next = 0;
            try {
                while (next < answers.size()) {
                    try (Socket s = socket.accept()) {
                        connections.incrementAndGet();
                        InputStream in = new BufferedInputStream(s.getInputStream());
                        OutputStream out = s.getOutputStream();
                        while (true) {
                            String body = readRequest(in);
                            if (body == null) {
                                break; // the client closed this connection
                            }
                            bodies.add(body);
                            if (next == answers.size()) {
                                continue; // no answer left: the request waits for one forever
                            }
                            String answer = answers.get(next++);
                            out.write(answer.getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            if (closeAfterEach || answer.contains("Connection: close") || next == closeAfter) {
                                break;
                            }
                        }
                    }
                    closedOne = true;
                }
            } catch (IOException e) {
                // closed by the test
            }
        }

        /** The request's body, or null when the connection ended first. */
        static String readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.append((char) b);
            }
            int length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
