package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Who may call what: three credentials, each sent as {@code Authorization: Bearer <token>}, compared in constant time.
 * Each role may do all that the one below it may: {@code ADMIN} (everything under {@code /admin/api}, debug
 * explanations) over {@code INGEST} (events, ad writes, the ad reads that show bids and budgets) over {@code RANK} (the
 * ranking API, open to anyone when no rank token is set).
 */
public final class Access {
    /** The roles, weakest first. */
    public enum Role {
        RANK,
        INGEST,
        ADMIN
    }

    private final byte[] rank;
    private final byte[] ingest;
    private final byte[] admin;

    /** @param rankToken empty for a ranking API open to anyone; the other two must not be empty */
    public Access(String rankToken, String ingestToken, String adminToken) {
        if (ingestToken.isBlank() || adminToken.isBlank()) {
            throw new IllegalArgumentException("the ingest and admin tokens must not be empty");
        }
        this.rank = rankToken.isEmpty() ? null : header(rankToken);
        this.ingest = header(ingestToken);
        this.admin = header(adminToken);
    }

    public static Access of(HttpSettings settings) {
        return new Access(settings.rankToken(), settings.ingestToken(), settings.adminToken());
    }

    private static byte[] header(String token) {
        return ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code inner} when the request's credential grants {@code role}, else a 401 with a challenge. */
    Route require(Role role, Supplier<Route> inner) {
        return withRole(granted -> granted.ordinal() >= role.ordinal() ? inner.get() : complete(unauthorized(role)));
    }

    /**
     * {@code inner} with the strongest role the request's credential grants; without one, {@code RANK} when the ranking
     * API is open, else a 401.
     */
    Route withRole(Function<Role, Route> inner) {
        return optionalHeaderValueByName("Authorization", header -> {
            Role granted =
                    header.map(h -> grant(h.getBytes(StandardCharsets.UTF_8))).orElse(null);
            if (granted == null && rank == null) {
                granted = Role.RANK;
            }
            return granted == null ? complete(unauthorized(Role.RANK)) : inner.apply(granted);
        });
    }

    /** The role {@code presented} grants, or null. Every token is compared, so timing tells nothing. */
    private Role grant(byte[] presented) {
        boolean isAdmin = MessageDigest.isEqual(presented, admin);
        boolean isIngest = MessageDigest.isEqual(presented, ingest);
        boolean isRank = rank != null && MessageDigest.isEqual(presented, rank);
        return isAdmin ? Role.ADMIN : isIngest ? Role.INGEST : isRank ? Role.RANK : null;
    }

    static HttpResponse unauthorized(Role role) {
        String name = role.name().toLowerCase(Locale.ROOT);
        return JsonResponses.error(
                        StatusCodes.UNAUTHORIZED,
                        "missing or wrong " + name + " token: send Authorization: Bearer <token>")
                .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "adsml-" + name)));
    }

    static HttpResponse forbidden(String what, Role needed) {
        return JsonResponses.error(
                StatusCodes.FORBIDDEN, what + " needs the " + needed.name().toLowerCase(Locale.ROOT) + " token");
    }
}
