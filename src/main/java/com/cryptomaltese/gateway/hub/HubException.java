package com.cryptomaltese.gateway.hub;

/** A download failure with a sentence a person understands; never carries the token. */
public class HubException extends RuntimeException {

    /** What went wrong, which decides the HTTP status and whether a retry can help. */
    public enum Kind {
        ACCESS(502), NOT_FOUND(404), RATE_LIMITED(502), SERVER(502), NETWORK(502), INTEGRITY(502),
        UNSAFE(502), TLS(502), FORMAT(400), DISK(507), CANCELLED(409), CONFLICT(409);

        final int httpStatus;

        Kind(int httpStatus) {
            this.httpStatus = httpStatus;
        }
    }

    private final Kind kind;

    public HubException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public HubException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    boolean retryable() {
        return kind == Kind.RATE_LIMITED || kind == Kind.SERVER || kind == Kind.NETWORK;
    }
}
