package adsml.http;

/** Input the API refuses, with a reason a client can act on; the edge answers 400 with it. */
public final class BadRequestException extends RuntimeException {
    public BadRequestException(String reason) {
        super(reason);
    }
}
