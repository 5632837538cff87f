package adsml.load;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Transport} over plain HTTP/1.1 keep-alive sockets: one blocking exchange per request on a pooled connection,
 * on a cached pool of daemon threads (as many as requests in flight). It writes one prepared request and reads the
 * status line, the headers and the body it discards: a generator on the server's own machine must cost far less CPU per
 * request than the server, or it measures itself (the JDK's HttpClient cost about five times as much;
 * docs/perf-log.md).
 *
 * <p>Each request has the whole timeout, connect and answer together. A reused connection that fails before the first
 * byte of its answer had been closed by the server while idle (or the server dropped the request unanswered): the
 * request is sent once more on a new connection. Any other failure fails the request. The most recently used connection
 * is reused first, as the one least likely to have been closed.
 */
final class SocketTransport implements Transport {
    private final InetSocketAddress address;
    private final byte[] head;
    private final long timeoutNanos;
    private final ExecutorService pool = Executors.newCachedThreadPool(daemonThreads("adsml-load-http-"));
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    /** Every open connection, idle or in use: closing them at the end frees threads blocked in a read. */
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;

    SocketTransport(URI target, Duration timeout) {
        if (!"http".equalsIgnoreCase(target.getScheme())) {
            throw new IllegalArgumentException("only http:// URLs, got " + target);
        }
        int port = target.getPort() < 0 ? 80 : target.getPort();
        this.address = new InetSocketAddress(target.getHost(), port);
        this.head = ("POST " + target.getRawPath() + " HTTP/1.1\r\nHost: " + target.getHost() + ":" + port
                        + "\r\nContent-Type: application/json\r\nContent-Length: ")
                .getBytes(StandardCharsets.US_ASCII);
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public CompletableFuture<Integer> send(String body) {
        byte[] request = request(body);
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return exchange(request, System.nanoTime() + timeoutNanos);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                },
                pool);
    }

    /** Ends every exchange: none starts or retries after this, and open connections are closed. */
    @Override
    public void close() {
        closed = true;
        pool.shutdownNow();
        open.forEach(this::close);
    }

    private byte[] request(String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        byte[] length = (content.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + length.length + content.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(length, 0, request, head.length, length.length);
        System.arraycopy(content, 0, request, head.length + length.length, content.length);
        return request;
    }

    private int exchange(byte[] request, long deadline) throws IOException {
        Connection reused = idle.pollLast();
        if (reused != null) {
            try {
                return exchange(reused, request, deadline);
            } catch (StaleConnectionException e) {
                // Nothing of an answer came: the request goes once more, on a new connection.
            }
        }
        return exchange(open(deadline), request, deadline);
    }

    private int exchange(Connection c, byte[] request, long deadline) throws IOException {
        try {
            int status = c.exchange(request, deadline);
            if (c.keepAlive && !closed) {
                idle.offerLast(c);
            } else {
                close(c);
            }
            return status;
        } catch (IOException | RuntimeException e) {
            close(c);
            throw e;
        }
    }

    private void close(Connection c) {
        open.remove(c);
        c.close();
    }

    /**
     * A new connection, or a {@link ConnectException} (refused, timed out, no route) that says the target cannot be
     * reached, or an {@link UnknownHostException}.
     */
    private Connection open(long deadline) throws IOException {
        if (closed) {
            throw new IOException("the transport is closed");
        }
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address, remainingMillis(deadline));
        } catch (SocketTimeoutException e) {
            socket.close();
            throw new ConnectTimeoutException(address, e);
        } catch (UnknownHostException | ConnectException e) {
            socket.close();
            throw e;
        } catch (IOException e) {
            socket.close();
            ConnectException unreachable = new ConnectException("cannot connect to " + address + ": " + e.getMessage());
            unreachable.initCause(e);
            throw unreachable;
        }
        Connection c = new Connection(socket);
        open.add(c);
        if (closed) { // close() may have gone through the set before the add
            close(c);
            throw new IOException("the transport is closed");
        }
        return c;
    }

    /** What is left until {@code deadline}, at least 1 ms (0 would mean no timeout to a socket). */
    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("request timed out");
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000));
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A connection attempt that timed out: the target does not answer at all. */
    static final class ConnectTimeoutException extends ConnectException {
        ConnectTimeoutException(InetSocketAddress address, SocketTimeoutException cause) {
            super("connect to " + address + " timed out");
            initCause(cause);
        }
    }

    /** A reused connection that failed before the first byte of its answer. */
    private static final class StaleConnectionException extends IOException {
        StaleConnectionException(Throwable cause) {
            super("connection closed by the server before an answer", cause);
        }
    }

    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        /** Read-ahead of {@code in}: each refill is one socket read, bounded by what is left of the request's time. */
        private final byte[] buffer = new byte[16 * 1024];

        private int position;
        private int limit;
        private final StringBuilder line = new StringBuilder();
        private boolean answered; // whether an answer came on this connection before
        boolean keepAlive; // whether the last answer left the connection open for another

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /**
         * Writes {@code request} and reads the answer's status, skipping interim (1xx) answers and the body. On a
         * connection that answered before, a failure before any byte of the status line (other than a timeout) is a
         * {@link StaleConnectionException}.
         */
        int exchange(byte[] request, long deadline) throws IOException {
            String statusLine;
            line.setLength(0);
            try {
                out.write(request);
                out.flush();
                statusLine = readLine(deadline);
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                throw answered && line.length() == 0 ? new StaleConnectionException(e) : e;
            }
            answered = true;
            int status = status(statusLine);
            while (status >= 100 && status < 200 && status != 101) {
                skipHeaders(deadline);
                status = status(readLine(deadline));
            }
            keepAlive = statusLine.startsWith("HTTP/1.1");
            long length = -1;
            boolean chunked = false;
            for (String header = readLine(deadline); !header.isEmpty(); header = readLine(deadline)) {
                int colon = header.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" ->
                        keepAlive = value.contains("keep-alive") || keepAlive && !value.contains("close");
                    default -> {}
                }
            }
            if (status == 101 || status == 204 || status == 304) {
                keepAlive &= status != 101; // no body, whatever the headers say; a switched protocol is not ours
            } else if (chunked) {
                for (long size = chunkSize(readLine(deadline)); size > 0; size = chunkSize(readLine(deadline))) {
                    skip(size, deadline);
                    readLine(deadline); // the CRLF after the chunk
                }
                skipHeaders(deadline); // trailers
            } else if (length >= 0) {
                skip(length, deadline);
            } else {
                keepAlive = false; // the body runs to the end of the connection: not read
            }
            return status;
        }

        private static int status(String statusLine) throws IOException {
            // "HTTP/1.1 200 OK"
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.x status line: " + statusLine);
            }
            try {
                return Integer.parseInt(statusLine.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP/1.x status line: " + statusLine, e);
            }
        }

        private void skipHeaders(long deadline) throws IOException {
            while (!readLine(deadline).isEmpty()) {
                // skipped
            }
        }

        private static long chunkSize(String line) throws IOException {
            int extension = line.indexOf(';');
            try {
                return Long.parseLong((extension < 0 ? line : line.substring(0, extension)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size: " + line, e);
            }
        }

        private void skip(long n, long deadline) throws IOException {
            while (n > 0) {
                if (position == limit && !fill(deadline)) {
                    throw new EOFException("answer ended " + n + " bytes short");
                }
                int skipped = (int) Math.min(n, limit - position);
                position += skipped;
                n -= skipped;
            }
        }

        /** The next byte, or -1 at the end of the stream. */
        private int read(long deadline) throws IOException {
            if (position == limit && !fill(deadline)) {
                return -1;
            }
            return buffer[position++] & 0xff;
        }

        /**
         * One socket read into the empty buffer, waiting at most until the deadline; false at the end of the stream.
         */
        private boolean fill(long deadline) throws IOException {
            socket.setSoTimeout(remainingMillis(deadline));
            int n = in.read(buffer);
            position = 0;
            limit = Math.max(0, n);
            return n > 0;
        }

        /** One line without its CRLF; at the end of the stream an EOFException, past the deadline a timeout. */
        private String readLine(long deadline) throws IOException {
            line.setLength(0);
            for (int b = read(deadline); ; b = read(deadline)) {
                if (b < 0) {
                    throw new EOFException(line.length() == 0 ? "connection closed" : "answer cut off");
                }
                if (b == '\n') {
                    int end = line.length();
                    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
                }
                line.append((char) b);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing left to do with it
            }
        }
    }
}
