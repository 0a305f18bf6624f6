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
    /** The request field at fault, for a {@link Kind#FORMAT} refusal; null otherwise. */
    private final String field;

    public HubException(Kind kind, String message) {
        this(kind, message, (Throwable) null);
    }

    public HubException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.field = kind == Kind.FORMAT ? "model_format" : null;
    }

    private HubException(String field, String message) {
        super(message);
        this.kind = Kind.FORMAT;
        this.field = field;
    }

    /** The repository has not what {@code field} of the request asks for (a format, a quantisation). */
    static HubException missing(String field, String message) {
        return new HubException(field, message);
    }

    public Kind kind() {
        return kind;
    }

    String field() {
        return field;
    }

    boolean retryable() {
        return kind == Kind.RATE_LIMITED || kind == Kind.SERVER || kind == Kind.NETWORK;
    }
}
