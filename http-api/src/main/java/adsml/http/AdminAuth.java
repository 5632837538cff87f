package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin token check, a directive around every {@code /admin/api} route: {@code Authorization: Bearer <token>}, or a
 * 401 with a JSON reason and a {@code WWW-Authenticate} challenge.
 */
final class AdminAuth {
    private AdminAuth() {}

    static Route require(String token, Supplier<Route> inner) {
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        return optionalHeaderValueByName("Authorization", header -> {
            // Constant-time comparison: the token must not leak through response timing.
            boolean ok = header.isPresent()
                    && MessageDigest.isEqual(header.get().getBytes(StandardCharsets.UTF_8), expected);
            return ok
                    ? inner.get()
                    : complete(JsonResponses.error(
                                    StatusCodes.UNAUTHORIZED,
                                    "missing or wrong admin token: send Authorization: Bearer <token>")
                            .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "adsml-admin"))));
        });
    }
}
