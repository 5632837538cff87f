package adsml.e2e;

import adsml.e2e.RawHttp.Framing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates the requests of {@link HttpFuzzTest}: every route of both listeners, every method and some that do not
 * exist, every content type a client might send, with and without credentials, and bodies that start from a valid one
 * and are then broken: truncated, nested deep, with huge numbers, keys given twice, wrong types, NaN, unicode escapes,
 * nulls, very long strings, binary. Request {@code i} of seed {@code s} is always the same request.
 */
final class HostileRequests {
    /**
     * One request: which listener, the wire head without framing headers, the body and its framing.
     *
     * @param oversized the body is over the server's limit: the server may answer and close before reading it all
     */
    record Request(
            boolean admin, String method, String target, String head, byte[] body, Framing framing, boolean oversized) {
        String describe() {
            String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
            return (admin ? "admin " : "public ") + method + " " + abbreviate(target) + " [" + framing + ", "
                    + body.length + " bytes" + (oversized ? ", oversized" : "") + "]\n" + head + "body: " + text
                    + (body.length > 200 ? "..." : "");
        }

        private static String abbreviate(String s) {
            return s.length() <= 200 ? s : s.substring(0, 200) + "...";
        }
    }

    /** Which credential a route needs, and so which one a well-meaning client would send. */
    private enum Role {
        NONE,
        INGEST,
        ADMIN
    }

    /** The kinds of body a route takes; each has a valid template that the mutations start from. */
    private enum BodyKind {
        NONE,
        RANK,
        EVENTS,
        AD,
        SCHEDULER,
        PAUSED
    }

    /** A route: its listener, its own method, a path (the generator fills in the ids), its credential and body. */
    private record Route(boolean admin, String method, String path, Role role, BodyKind body) {}

    private static final List<Route> ROUTES = List.of(
            new Route(false, "POST", "/v1/rank", Role.NONE, BodyKind.RANK),
            new Route(false, "POST", "/v1/events", Role.INGEST, BodyKind.EVENTS),
            new Route(false, "GET", "/v1/ads/{ad}", Role.INGEST, BodyKind.NONE),
            new Route(false, "PUT", "/v1/ads/{ad}", Role.INGEST, BodyKind.AD),
            new Route(false, "DELETE", "/v1/ads/{ad}", Role.INGEST, BodyKind.NONE),
            new Route(false, "GET", "/health/live", Role.NONE, BodyKind.NONE),
            new Route(false, "GET", "/health/ready", Role.NONE, BodyKind.NONE),
            new Route(false, "GET", "/metrics", Role.NONE, BodyKind.NONE),
            new Route(false, "GET", "/openapi.json", Role.NONE, BodyKind.NONE),
            new Route(false, "GET", "/{junk}", Role.NONE, BodyKind.NONE),
            new Route(true, "POST", "/v1/rank", Role.ADMIN, BodyKind.RANK),
            new Route(true, "PUT", "/v1/ads/{ad}", Role.ADMIN, BodyKind.AD),
            new Route(true, "POST", "/v1/events", Role.INGEST, BodyKind.EVENTS),
            new Route(true, "DELETE", "/v1/ads/{ad}", Role.INGEST, BodyKind.NONE),
            new Route(true, "GET", "/health/ready", Role.NONE, BodyKind.NONE),
            new Route(true, "GET", "/metrics", Role.NONE, BodyKind.NONE),
            new Route(true, "GET", "/openapi.json", Role.NONE, BodyKind.NONE),
            new Route(true, "GET", "/admin/api/models", Role.ADMIN, BodyKind.NONE),
            new Route(true, "POST", "/admin/api/models/rollback", Role.ADMIN, BodyKind.NONE),
            new Route(true, "POST", "/admin/api/models/{name}/{version}/load", Role.ADMIN, BodyKind.NONE),
            new Route(true, "POST", "/admin/api/models/{name}/{version}/activate", Role.ADMIN, BodyKind.NONE),
            new Route(true, "GET", "/admin/api/scheduler", Role.ADMIN, BodyKind.NONE),
            new Route(true, "PUT", "/admin/api/scheduler", Role.ADMIN, BodyKind.SCHEDULER),
            new Route(true, "GET", "/admin/api/overview", Role.ADMIN, BodyKind.NONE),
            new Route(true, "GET", "/admin/api/vocabulary", Role.ADMIN, BodyKind.NONE),
            new Route(true, "GET", "/admin/api/ads/busiest?limit={number}", Role.ADMIN, BodyKind.NONE),
            new Route(true, "GET", "/admin/api/ads/{ad}/counters", Role.ADMIN, BodyKind.NONE),
            new Route(true, "PUT", "/admin/api/ads/{ad}/paused", Role.ADMIN, BodyKind.PAUSED),
            new Route(true, "GET", "/admin/api/users?limit={number}", Role.ADMIN, BodyKind.NONE),
            new Route(true, "GET", "/admin/api/users/{user}", Role.ADMIN, BodyKind.NONE),
            new Route(true, "GET", "/admin/api/{junk}", Role.ADMIN, BodyKind.NONE));

    /** Methods a client may send: the standard ones, and some no server knows (the answer is 501, or a 4xx). */
    private static final List<String> METHODS =
            List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "BREW", "FOO", "get");

    static final List<String> UNKNOWN_METHODS = List.of("BREW", "FOO", "get");

    private static final List<String> CONTENT_TYPES = List.of(
            "application/json",
            "application/json; charset=utf-8",
            "application/json; charset=ISO-8859-1",
            "application/json; charset=utf-16",
            "text/plain",
            "text/plain; charset=utf-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyzzy",
            "multipart/form-data",
            "application/octet-stream",
            "application/jsonx",
            "*/*",
            ";;;",
            "application/json; boundary=\"\u00e9\"");

    private static final List<String> JUNK_PATHS = List.of(
            "nope",
            "v1",
            "v1/",
            "v1/rank/",
            "/v1/rank",
            "v1/ads",
            "v1/ads/",
            "v1/ads/1/2",
            "%2e%2e/%2e%2e/etc/passwd",
            "..%2F..%2Fetc",
            "v1/%00",
            "v1/rank%20",
            "health",
            "health/",
            "health/live/x",
            "admin",
            "admin/",
            "admin/api",
            "admin/api/",
            "openapi.json/x",
            "metrics?format=json",
            "v1/rank?debug=true&debug=false",
            "%ZZ",
            "\u00e9",
            "a".repeat(3000));

    private static final String[] SURFACES = {"home_feed", "search", "video", "article"};
    private static final String[] DEVICES = {"ios", "android", "desktop", "tablet"};
    private static final String[] COUNTRIES = {"US", "GB", "DE", "JP", "BR"};
    private static final String[] CREATIVE_TYPES = {"image", "video", "carousel", "text"};
    private static final String[] EVENT_TYPES = {"impression", "click", "conversion"};
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-:"
            + "\u00e9\u00df\u4e2d\u6587\ud83d\ude00";

    private final long seed;
    private final int ads;
    private final int maxBodyBytes;
    private final String adminToken;
    private final String ingestToken;

    /**
     * @param ads how many ads the server holds (ids from 0); ids around it are tried too
     * @param maxBodyBytes the server's body limit: some bodies are made larger on purpose
     */
    HostileRequests(long seed, int ads, int maxBodyBytes, String adminToken, String ingestToken) {
        this.seed = seed;
        this.ads = ads;
        this.maxBodyBytes = maxBodyBytes;
        this.adminToken = adminToken;
        this.ingestToken = ingestToken;
    }

    /** The random source of request {@code index}: the same request for the same seed and index. */
    SplittableRandom random(int index) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (index + 1)));
    }

    Request request(SplittableRandom r) {
        Route route = ROUTES.get(r.nextInt(ROUTES.size()));
        String method = r.nextInt(10) < 8 ? route.method() : pick(r, METHODS);
        String target = target(r, route.path());
        StringBuilder head = new StringBuilder()
                .append(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n");
        String credential = credential(r, route.role());
        if (credential != null) {
            head.append("Authorization: ").append(credential).append("\r\n");
        }
        byte[] body = body(r, route.body());
        if (r.nextInt(40) == 0) {
            body = oversize(r, body);
        }
        if (body.length > 0 || r.nextInt(4) == 0) {
            if (r.nextInt(10) < 6) {
                head.append("Content-Type: application/json\r\n");
            } else if (r.nextInt(5) > 0) {
                head.append("Content-Type: ").append(pick(r, CONTENT_TYPES)).append("\r\n");
            }
        }
        if (r.nextInt(50) == 0) {
            head.append("X-Junk: ").append("x".repeat(r.nextInt(20_000))).append("\r\n");
        }
        Framing framing;
        if (body.length == 0 && r.nextBoolean()) {
            framing = Framing.NONE;
        } else {
            int f = r.nextInt(100);
            framing = f < 55 ? Framing.CONTENT_LENGTH : f < 97 ? Framing.CHUNKED : Framing.BOTH;
        }
        return new Request(route.admin(), method, target, head.toString(), body, framing, body.length > maxBodyBytes);
    }

    private String target(SplittableRandom r, String path) {
        String target = path.replace("{ad}", adId(r))
                .replace("{name}", pick(r, List.of("ctr", "ctr", "..", "%2e%2e", "c%00tr", "CTR", "a".repeat(300))))
                .replace("{version}", pick(r, List.of("1", "1", "2", "0", "-1", "99999999999", "..", "1%2F..")))
                .replace("{number}", number(r))
                .replace("{user}", pick(r, List.of("u1", "u42", "u499", "u500", "u-1", "u99999999999", "x", "%41")))
                .replace("{junk}", pick(r, JUNK_PATHS));
        return target;
    }

    private String adId(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0 -> "-1";
            case 1 -> Integer.toString(ads + r.nextInt(3));
            case 2 -> "99999999999";
            case 3 -> pick(r, List.of("x", "1.5", "%31", "0x10", ""));
            default -> Integer.toString(r.nextInt(ads));
        };
    }

    private static String number(SplittableRandom r) {
        return pick(r, List.of("1", "10", "100", "101", "0", "-5", "abc", "1e3", "99999999999", ""));
    }

    private String credential(SplittableRandom r, Role role) {
        int roll = r.nextInt(10);
        if (roll < 7) {
            return switch (role) {
                case NONE -> null;
                case INGEST -> "Bearer " + (r.nextBoolean() ? ingestToken : adminToken);
                case ADMIN -> "Bearer " + adminToken;
            };
        }
        return switch (roll) {
            case 7 -> r.nextBoolean() ? null : "Bearer " + pick(r, List.of(ingestToken, adminToken));
            case 8 ->
                pick(
                        r,
                        List.of(
                                "Bearer",
                                "Bearer ",
                                "Bearer wrong",
                                "Basic dGVzdDp0ZXN0",
                                "bearer " + adminToken,
                                "Bearer " + adminToken + " ",
                                "Bearer " + adminToken + "x"));
            default -> "Bearer " + "t".repeat(r.nextInt(5000));
        };
    }

    private byte[] body(SplittableRandom r, BodyKind kind) {
        if (kind == BodyKind.NONE && r.nextInt(4) > 0) {
            return new byte[0];
        }
        int roll = r.nextInt(100);
        if (roll < 8) {
            return binary(r);
        }
        if (roll < 12) {
            return pick(
                            r,
                            List.of(
                                    "",
                                    " ",
                                    "a=1&b=2",
                                    "--xyzzy\r\ncontent-disposition: form-data\r\n\r\n{}\r\n--xyzzy--"))
                    .getBytes(StandardCharsets.UTF_8);
        }
        Json template = template(r, kind == BodyKind.NONE ? pick(r, List.of(BodyKind.values())) : kind);
        int mutations = roll < 30 ? 0 : 1 + r.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            template = mutate(r, template);
        }
        String text = template.render();
        if (r.nextInt(10) == 0) {
            text = text.substring(0, r.nextInt(text.length() + 1)); // truncated
        }
        if (r.nextInt(30) == 0) {
            return encodeOddly(r, text);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The same text in an encoding JSON does not use, or UTF-8 made invalid. */
    private static byte[] encodeOddly(SplittableRandom r, String text) {
        return switch (r.nextInt(4)) {
            case 0 -> text.getBytes(StandardCharsets.UTF_16);
            case 1 -> text.getBytes(StandardCharsets.ISO_8859_1);
            case 2 -> ("\ufeff" + text).getBytes(StandardCharsets.UTF_8);
            default -> {
                byte[] b = text.getBytes(StandardCharsets.UTF_8);
                if (b.length > 0) {
                    b[r.nextInt(b.length)] = (byte) (0x80 | r.nextInt(0x80));
                }
                yield b;
            }
        };
    }

    private static byte[] binary(SplittableRandom r) {
        byte[] b = new byte[r.nextInt(2000)];
        r.nextBytes(b);
        return b;
    }

    private byte[] oversize(SplittableRandom r, byte[] body) {
        int size = maxBodyBytes + 1 + r.nextInt(r.nextBoolean() ? 16 : 4 * maxBodyBytes);
        byte[] big = new byte[Math.max(size, body.length)];
        System.arraycopy(body, 0, big, 0, body.length);
        Arrays.fill(big, body.length, big.length, (byte) ' ');
        return big;
    }

    // --- JSON with room for what a JSON library would refuse to write: duplicate keys, NaN, raw fragments ---

    /** A JSON value as text to come: an object (keys may repeat), an array, or raw text written as it is. */
    private sealed interface Json permits Obj, Arr, Raw {
        String render();
    }

    private record Obj(List<Map.Entry<String, Json>> fields) implements Json {
        @Override
        public String render() {
            StringBuilder s = new StringBuilder("{");
            for (int i = 0; i < fields.size(); i++) {
                s.append(i == 0 ? "" : ",")
                        .append(quote(fields.get(i).getKey()))
                        .append(':')
                        .append(fields.get(i).getValue().render());
            }
            return s.append('}').toString();
        }
    }

    private record Arr(List<Json> items) implements Json {
        @Override
        public String render() {
            StringBuilder s = new StringBuilder("[");
            for (int i = 0; i < items.size(); i++) {
                s.append(i == 0 ? "" : ",").append(items.get(i).render());
            }
            return s.append(']').toString();
        }
    }

    private record Raw(String text) implements Json {
        @Override
        public String render() {
            return text;
        }
    }

    private static Obj obj(Object... keysAndValues) {
        List<Map.Entry<String, Json>> fields = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            fields.add(Map.entry((String) keysAndValues[i], (Json) keysAndValues[i + 1]));
        }
        return new Obj(fields);
    }

    private static Raw raw(Object value) {
        return new Raw(value instanceof String s ? quote(s) : String.valueOf(value));
    }

    private Json template(SplittableRandom r, BodyKind kind) {
        return switch (kind) {
            case NONE -> obj();
            case RANK ->
                obj(
                        "userId",
                        raw("u" + r.nextInt(600)),
                        "context",
                        obj(
                                "surface",
                                raw(pick(r, SURFACES)),
                                "device",
                                raw(pick(r, DEVICES)),
                                "country",
                                raw(pick(r, COUNTRIES)),
                                "hour",
                                raw(r.nextInt(24))),
                        "slots",
                        raw(1 + r.nextInt(10)),
                        "deadlineMs",
                        raw(50 + r.nextInt(500)),
                        "debug",
                        raw(r.nextInt(5) == 0));
            case EVENTS -> {
                List<Json> events = new ArrayList<>();
                int n = 1 + r.nextInt(r.nextInt(10) == 0 ? 200 : 4);
                for (int i = 0; i < n; i++) {
                    events.add(obj(
                            "type",
                            raw(pick(r, EVENT_TYPES)),
                            "requestId",
                            raw("r" + r.nextInt(1000)),
                            "userId",
                            raw("u" + r.nextInt(500)),
                            "adId",
                            raw(r.nextInt(ads)),
                            "timestampMs",
                            raw(System.currentTimeMillis() - r.nextInt(1_000_000)),
                            "cost",
                            raw(r.nextInt(4) == 0 ? r.nextDouble() : 0)));
                }
                yield obj("events", new Arr(events));
            }
            case AD -> {
                List<Json> embedding = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    embedding.add(raw((float) (r.nextDouble() * 2 - 1)));
                }
                yield obj(
                        "campaignId",
                        raw(r.nextInt(100)),
                        "category",
                        raw(r.nextInt(50)),
                        "creativeType",
                        raw(pick(r, CREATIVE_TYPES)),
                        "embedding",
                        new Arr(embedding),
                        "paused",
                        raw(r.nextInt(4) == 0));
            }
            // Valid knobs stay modest: a fuzzed 1 s batching delay would only make the run slow.
            case SCHEDULER ->
                obj(
                        "maxBatchRows",
                        raw(64 + r.nextInt(512)),
                        "maxQueueDelayMs",
                        raw(r.nextDouble()),
                        "maxQueuedRows",
                        raw(4096 + r.nextInt(60_000)),
                        "serviceTimeSafety",
                        raw(1 + r.nextDouble()));
            case PAUSED -> obj("paused", raw(r.nextBoolean()));
        };
    }

    /** One break of {@code json}: somewhere inside it, a value, a key or the structure goes wrong. */
    private Json mutate(SplittableRandom r, Json json) {
        if (json instanceof Obj o) {
            List<Map.Entry<String, Json>> fields = new ArrayList<>(o.fields());
            int roll = r.nextInt(10);
            if (fields.isEmpty() || roll == 0) {
                fields.add(Map.entry(r.nextBoolean() ? string(r, 1 + r.nextInt(12)) : "", hostileValue(r)));
            } else {
                int i = r.nextInt(fields.size());
                Map.Entry<String, Json> field = fields.get(i);
                switch (roll) {
                    case 1 -> fields.remove(i);
                    case 2 -> fields.add(r.nextInt(fields.size() + 1), Map.entry(field.getKey(), hostileValue(r)));
                    case 3 -> fields.add(Map.entry(field.getKey(), field.getValue()));
                    case 4 -> fields.set(i, Map.entry(field.getKey(), hostileValue(r)));
                    case 5 -> fields.set(i, Map.entry(escapeKey(field.getKey()), field.getValue()));
                    default -> fields.set(i, Map.entry(field.getKey(), mutate(r, field.getValue())));
                }
            }
            return new Obj(fields);
        }
        if (json instanceof Arr a) {
            List<Json> items = new ArrayList<>(a.items());
            if (items.isEmpty() || r.nextInt(6) == 0) {
                items.add(hostileValue(r));
            } else {
                int i = r.nextInt(items.size());
                switch (r.nextInt(4)) {
                    case 0 -> items.remove(i);
                    case 1 -> items.set(i, hostileValue(r));
                    default -> items.set(i, mutate(r, items.get(i)));
                }
            }
            return new Arr(items);
        }
        return r.nextInt(3) == 0 ? json : hostileValue(r);
    }

    /** A key that means the same written with unicode escapes: "slots" as "\u0073lots". */
    private static String escapeKey(String key) {
        return key.isEmpty() ? key : "\\u" + String.format("%04x", (int) key.charAt(0)) + key.substring(1);
    }

    private Json hostileValue(SplittableRandom r) {
        return switch (r.nextInt(24)) {
            case 0 -> raw("null");
            case 1 -> raw(r.nextBoolean());
            case 2 -> raw(string(r, r.nextInt(40)));
            case 3 -> raw(r.nextInt());
            case 4 -> raw(r.nextLong());
            case 5 -> raw(pick(r, List.of("-0", "0.0", "1e309", "-1e309", "1e-400", "4.9e-324", "3.5e38")));
            case 6 -> new Raw("9".repeat(20 + r.nextInt(r.nextBoolean() ? 60 : 6000)));
            case 7 -> new Raw("0." + "1".repeat(20 + r.nextInt(200)) + "e" + r.nextInt(1000));
            case 8 -> new Raw(pick(r, List.of("NaN", "Infinity", "-Infinity", "+1", "01", ".5", "1.", "0x10")));
            case 9 -> new Raw(pick(r, List.of("\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\uffff\"")));
            case 10 -> new Raw(pick(r, List.of("\"\\u0075\\u0034\\u0032\"", "\"\\/\\b\\f\\n\\r\\t\"", "\"\\x41\"")));
            case 11 -> new Raw(nested(r, r.nextBoolean() ? 20 + r.nextInt(30) : 200 + r.nextInt(2000)));
            case 12 -> raw(string(r, 1000 + r.nextInt(30_000)));
            case 13 -> new Raw("[]");
            case 14 -> new Raw("{}");
            case 15 -> new Raw("[" + "null,".repeat(r.nextInt(100)) + "null]");
            case 16 -> new Raw(pick(r, List.of("tru", "nul", "\"open", "[1,", "{\"a\"", "}", "]", ",", ":")));
            case 17 -> new Raw(pick(r, List.of("undefined", "'single'", "/* comment */ 1", "# x\n1", "\"a\" \"b\"")));
            case 18 -> new Raw("\"" + string(r, 10) + "\u0001\u001f\"");
            case 19 -> raw(pick(r, List.of(Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE)));
            case 20 -> raw(pick(r, List.of(2147483648L, -2147483649L, 9223372036854775807L)));
            case 21 -> new Raw(pick(r, List.of("9223372036854775808", "-9223372036854775809", "1E400", "-0.0e-0")));
            case 22 -> raw(r.nextDouble() * Math.pow(10, r.nextInt(80) - 40));
            default -> raw(pick(r, List.of("impression", "click", "video", "US", "ios", "u1", "")));
        };
    }

    private static String nested(SplittableRandom r, int depth) {
        return r.nextBoolean()
                ? "[".repeat(depth) + "]".repeat(depth)
                : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    private static String string(SplittableRandom r, int length) {
        StringBuilder s = new StringBuilder(length);
        while (s.length() < length) {
            int i = r.nextInt(ALPHABET.length());
            char c = ALPHABET.charAt(i);
            if (Character.isHighSurrogate(c)) {
                s.append(c).append(ALPHABET.charAt(i + 1));
            } else if (!Character.isLowSurrogate(c)) {
                s.append(c);
            }
        }
        return s.toString();
    }

    private static String quote(String s) {
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' && !s.startsWith("\\u", i)) {
                q.append('\\');
            }
            q.append(c);
        }
        return q.append('"').toString();
    }

    private static <T> T pick(SplittableRandom r, List<T> values) {
        return values.get(r.nextInt(values.size()));
    }

    private static <T> T pick(SplittableRandom r, T[] values) {
        return values[r.nextInt(values.length)];
    }
}
