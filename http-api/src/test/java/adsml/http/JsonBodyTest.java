package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JsonBodyTest {
    private static ActorTestKit kit;
    /** Echoes how many bytes it got: what a route behind the directive sees. */
    private static final Route ECHO = JsonBody.of(64, body -> complete("got " + body.length));

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static String send(ContentType type, String body) throws Exception {
        HttpResponse r = ECHO.seal()
                .handler(kit.system())
                .apply(HttpRequest.POST("/")
                        .withEntity(HttpEntities.create(type, body.getBytes(StandardCharsets.UTF_8))))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        return r.status().intValue() + " "
                + r.entity()
                        .toStrict(5000, kit.system())
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS)
                        .getData()
                        .utf8String();
    }

    private static ContentType parse(String header) {
        return ContentTypes.parse(header);
    }

    /** RFC 8259 defines no charset for JSON: it is UTF-8, whatever the header says (the parser refuses other bytes). */
    @Test
    void json_isPassedOn_whateverCharsetTheHeaderNames() throws Exception {
        assertEquals("200 got 2", send(ContentTypes.APPLICATION_JSON, "{}"));
        assertEquals("200 got 2", send(parse("application/json; charset=utf-8"), "{}"));
        assertEquals("200 got 2", send(parse("application/json; charset=ISO-8859-1"), "{}"));
    }

    @Test
    void anotherTypeOrCharset_is415() throws Exception {
        for (String type : new String[] {
            "text/plain; charset=UTF-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/octet-stream",
            "application/jsonx",
            "text/json"
        }) {
            String answer = send(parse(type), "{}");
            assertTrue(answer.startsWith("415 ") && answer.contains("application/json"), type + ": " + answer);
        }
    }

    @Test
    void aBodyOverTheLimit_is413() throws Exception {
        assertTrue(send(ContentTypes.APPLICATION_JSON, "{\"a\":\"" + "x".repeat(100) + "\"}")
                .startsWith("413 "));
    }
}
