package adsml.load;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Transport} over plain HTTP/1.1 keep-alive sockets: one blocking exchange per request on
 * a pooled connection, on a cached pool of daemon threads (as many as requests in flight). With
 * the JDK's HttpClient the generator spent 1.3 ms of CPU per rank request, a quarter of what the
 * server spent, and on the same 2 cores that came out of the server's share; this writes one
 * prepared request and reads the status line, the headers and the body it discards (0.25 ms;
 * BENCHMARKS.md).
 *
 * <p>A connection the server closed while idle fails on reuse before any answer arrives; such a
 * request is sent once more on a fresh connection, since the server never read it. Any other
 * failure fails the request.
 */
final class SocketTransport implements Transport {
    private final InetSocketAddress address;
    private final byte[] head;
    private final int timeoutMillis;
    private final ExecutorService pool = Executors.newCachedThreadPool(daemonThreads("adsml-load-http-"));
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
    /** Every open connection, idle or in use: closing them at the end frees threads blocked in a read. */
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    SocketTransport(URI target, Duration timeout) {
        if (!"http".equals(target.getScheme())) {
            throw new IllegalArgumentException("only http:// URLs, got " + target);
        }
        int port = target.getPort() < 0 ? 80 : target.getPort();
        this.address = new InetSocketAddress(target.getHost(), port);
        this.head = ("POST " + target.getRawPath() + " HTTP/1.1\r\nHost: " + target.getHost() + ":" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    @Override
    public CompletableFuture<Integer> send(String body) {
        byte[] request = request(body);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return exchange(request);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, pool);
    }

    @Override
    public void close() {
        pool.shutdownNow();
        open.forEach(Connection::close);
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

    private int exchange(byte[] request) throws IOException {
        Connection reused = idle.poll();
        if (reused != null) {
            try {
                return exchange(reused, request);
            } catch (StaleConnectionException e) {
                // Closed by the server while idle: the request was never read, so it goes again.
            }
        }
        return exchange(open(), request);
    }

    private int exchange(Connection c, byte[] request) throws IOException {
        try {
            Answer answer = c.exchange(request);
            if (answer.keepAlive()) {
                idle.offer(c);
            } else {
                close(c);
            }
            return answer.status();
        } catch (IOException | RuntimeException e) {
            close(c);
            throw e;
        }
    }

    private void close(Connection c) {
        open.remove(c);
        c.close();
    }

    private Connection open() throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMillis);
            socket.connect(address, timeoutMillis);
        } catch (SocketTimeoutException e) {
            socket.close();
            throw new ConnectTimeoutException(address, e);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        Connection c = new Connection(socket);
        open.add(c);
        return c;
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

    /** A reused connection that ended before any byte of the answer. */
    private static final class StaleConnectionException extends IOException {
        StaleConnectionException(Throwable cause) {
            super("connection closed by the server while idle", cause);
        }
    }

    private record Answer(int status, boolean keepAlive) {
    }

    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final StringBuilder line = new StringBuilder();
        private boolean answered; // whether any answer came on this connection yet

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            this.out = socket.getOutputStream();
        }

        /**
         * Writes {@code request} and reads the answer. On a connection that answered before, a
         * failure before the answer's first line (other than a timeout) means the server had closed
         * it: a {@link StaleConnectionException}.
         */
        Answer exchange(byte[] request) throws IOException {
            String statusLine;
            try {
                out.write(request);
                out.flush();
                statusLine = readLine(true);
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                throw answered ? new StaleConnectionException(e) : e;
            }
            answered = true;
            // "HTTP/1.1 200 OK"
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.x status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            boolean keepAlive = statusLine.charAt(7) == '1';
            long length = -1;
            boolean chunked = false;
            for (String header = readLine(false); !header.isEmpty(); header = readLine(false)) {
                int colon = header.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" -> keepAlive = value.contains("keep-alive") || keepAlive && !value.contains("close");
                    default -> { }
                }
            }
            if (chunked) {
                for (long size = Long.parseLong(chunkSize(readLine(false)), 16); size > 0;
                     size = Long.parseLong(chunkSize(readLine(false)), 16)) {
                    skip(size);
                    readLine(false); // the CRLF after the chunk
                }
                while (!readLine(false).isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                skip(length);
            } else if (status >= 200 && status != 204 && status != 304) {
                return new Answer(status, false); // the body runs to the end of the connection: not read
            }
            return new Answer(status, keepAlive);
        }

        private static String chunkSize(String line) {
            int extension = line.indexOf(';');
            return (extension < 0 ? line : line.substring(0, extension)).trim();
        }

        private void skip(long n) throws IOException {
            while (n > 0) {
                long skipped = in.skip(n);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException("answer ended " + n + " bytes short");
                    }
                    skipped = 1;
                }
                n -= skipped;
            }
        }

        /** One line without its CRLF; at the end of the stream, an EOFException. */
        private String readLine(boolean first) throws IOException {
            line.setLength(0);
            for (int b = in.read(); ; b = in.read()) {
                if (b < 0) {
                    throw new EOFException(first && line.length() == 0 ? "connection closed before an answer" : "answer cut off");
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
