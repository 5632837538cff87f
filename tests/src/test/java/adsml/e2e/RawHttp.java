package adsml.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An HTTP/1.1 client over a plain socket, one connection per request ({@code Connection: close}), that sends whatever
 * it is given: any method, any header, a body framed by {@code Content-Length}, by chunks of random sizes, by both, or
 * not at all. It reports an answer, or that the server closed the connection without one.
 */
final class RawHttp {
    /** How a request's body is framed on the wire. */
    enum Framing {
        CONTENT_LENGTH,
        CHUNKED,
        /** {@code Content-Length} and {@code Transfer-Encoding: chunked} at once: the smuggling classic. */
        BOTH,
        /** No framing header: the server must take the request as bodiless. */
        NONE
    }

    /** What came back: a status with headers (names lower case) and body, or {@code dropped} with why. */
    record Answer(int status, Map<String, String> headers, byte[] body, String dropped) {
        boolean isDropped() {
            return dropped != null;
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            if (isDropped()) {
                return "connection dropped (" + dropped + ")";
            }
            String text = bodyText();
            return status + " " + headers.getOrDefault("content-type", "") + " "
                    + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int MAX_RESPONSE_BYTES = 8 << 20;

    private final int readTimeoutMs;

    RawHttp(int readTimeoutMs) {
        this.readTimeoutMs = readTimeoutMs;
    }

    /**
     * Sends {@code head} (request line and headers, without the framing headers and without the blank line), then
     * {@code body} framed as asked; {@code random} picks the chunk sizes.
     */
    Answer send(int port, String method, String head, byte[] body, Framing framing, SplittableRandom random)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(readTimeoutMs);
            String writeFailure = null;
            try {
                OutputStream out = socket.getOutputStream();
                out.write(frame(head, body, framing, random));
                out.flush();
            } catch (IOException e) {
                // The server may answer and close before it has read the whole body (a 413, a 415): the answer
                // is still there to read.
                writeFailure = "write: " + e.getMessage();
            }
            try {
                return read(new BufferedInputStream(socket.getInputStream()), method.equals("HEAD"));
            } catch (SocketTimeoutException e) {
                return new Answer(0, Map.of(), new byte[0], "no answer within " + readTimeoutMs + " ms");
            } catch (IOException e) {
                return new Answer(
                        0,
                        Map.of(),
                        new byte[0],
                        e.getMessage() + (writeFailure == null ? "" : " after " + writeFailure));
            }
        }
    }

    private static byte[] frame(String head, byte[] body, Framing framing, SplittableRandom random) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream(head.length() + body.length + 64);
        StringBuilder h = new StringBuilder(head).append("Connection: close\r\n");
        switch (framing) {
            case CONTENT_LENGTH ->
                h.append("Content-Length: ").append(body.length).append("\r\n");
            case CHUNKED -> h.append("Transfer-Encoding: chunked\r\n");
            case BOTH -> h.append("Content-Length: ").append(body.length).append("\r\nTransfer-Encoding: chunked\r\n");
            case NONE -> {}
        }
        wire.writeBytes(h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        if (framing == Framing.CHUNKED || framing == Framing.BOTH) {
            int at = 0;
            while (at < body.length) {
                int n = Math.min(body.length - at, 1 + random.nextInt(random.nextBoolean() ? 16 : 8192));
                wire.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                wire.write(body, at, n);
                wire.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                at += n;
            }
            wire.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else if (framing == Framing.CONTENT_LENGTH) {
            wire.writeBytes(body);
        }
        return wire.toByteArray();
    }

    private static Answer read(InputStream in, boolean head) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            return new Answer(0, Map.of(), new byte[0], "closed before a status line");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            return new Answer(0, Map.of(), new byte[0], "not an HTTP answer: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); ; line = line(in)) {
            if (line == null) {
                return new Answer(0, Map.of(), new byte[0], "closed inside the headers of a " + status);
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(
                        line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
        }
        if (head || status / 100 == 1 || status == 204 || status == 304) {
            return new Answer(status, headers, new byte[0], null);
        }
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = chunked(in);
        } else if (headers.containsKey("content-length")) {
            int length = Integer.parseInt(headers.get("content-length"));
            body = in.readNBytes(length);
            body = body.length < length ? null : body;
        } else {
            body = in.readNBytes(MAX_RESPONSE_BYTES);
        }
        return body == null
                ? new Answer(0, Map.of(), new byte[0], "closed inside the body of a " + status)
                : new Answer(status, headers, body, null);
    }

    /** The body of a chunked answer, or null when the connection closes inside it. */
    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            if (size == null) {
                return null;
            }
            int semicolon = size.indexOf(';');
            int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (n == 0) {
                while (true) {
                    String trailer = line(in);
                    if (trailer == null || trailer.isEmpty()) {
                        return body.toByteArray();
                    }
                }
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length < n || line(in) == null || body.size() + n > MAX_RESPONSE_BYTES) {
                return null;
            }
            body.writeBytes(chunk);
        }
    }

    /** One line without its CRLF, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return null;
    }
}
