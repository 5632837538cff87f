package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin token check that every {@code /admin/api} route class wraps itself in, so that no
 * route depends on another class having checked first: {@code Authorization: Bearer <token>},
 * or a 401 with a JSON reason.
 */
final class AdminAuth {
    private final byte[] expected;

    AdminAuth(String token) {
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    Route require(Supplier<Route> inner) {
        return optionalHeaderValueByName("Authorization", header -> {
            // Constant-time comparison: the token must not leak through response timing.
            boolean ok = header.isPresent()
                    && MessageDigest.isEqual(header.get().getBytes(StandardCharsets.UTF_8), expected);
            return ok ? inner.get() : complete(JsonResponses.error(StatusCodes.UNAUTHORIZED,
                    "missing or wrong admin token: send Authorization: Bearer <token>"));
        });
    }
}
