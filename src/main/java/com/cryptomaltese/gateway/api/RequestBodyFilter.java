package com.cryptomaltese.gateway.api;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.io.IOException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import com.cryptomaltese.gateway.GatewayProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * What a request body may be, checked before any route reads it, on every path: the API's can be
 * spelled many ways ({@code /%61pi/v1/chat}, {@code /api;x/v1/chat} reach the chat route), and the
 * other paths take no body. Over
 * {@code gateway.limits.max-body-size} it is a 413: a declared Content-Length is refused before
 * anything is read; a chunked body is read up to one byte past the limit and then refused, so no
 * route ever holds more than the limit in memory. A form body is a 415: the API reads JSON only, and
 * Camel would parse such a body into headers first (failing, without an answer's body, on one that is
 * not key=value pairs, such as {@code curl -d '{}'} sends); an empty one is no body at all and passes.
 * A multipart request is a 415 with or without a body (the web layer fails on one without a boundary).
 * A body is UTF-8, as JSON between systems is: another declared charset is a 415, bytes that are not
 * UTF-8 a 400 (read on, they would become U+FFFD in what is stored).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class RequestBodyFilter extends OncePerRequestFilter {

    private final long limit;
    private final ApiJson json;

    RequestBodyFilter(GatewayProperties properties, ApiJson json) {
        this.limit = properties.limits().maxBodySize().toBytes();
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > limit) {
            tooLarge(response);
            return;
        }
        byte[] body = request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (body.length > limit) {
            tooLarge(response);
            return;
        }
        if (isMultipart(request.getContentType()) || body.length > 0 && isForm(request.getContentType())) {
            refuse(response, 415, "unsupported Content-Type: send application/json",
                    new FieldProblem("Content-Type", "must be application/json"));
            return;
        }
        if (body.length > 0) {
            String charset = charset(request.getContentType());
            if (charset != null && !charset.equals("utf-8") && !charset.equals("utf8")) {
                refuse(response, 415, "unsupported charset: send the body as UTF-8",
                        new FieldProblem("Content-Type", "charset must be utf-8, got " + printable(charset)));
                return;
            }
            if (!isUtf8(body)) {
                // Read on as text, the broken bytes would become U+FFFD and be stored as the user never wrote them.
                refuse(response, 400, "invalid request: body is not valid UTF-8",
                        new FieldProblem("body", "is not valid UTF-8"));
                return;
            }
        }
        chain.doFilter(new BufferedBodyRequest(request, body), response);
    }

    private static boolean isForm(String contentType) {
        return mediaType(contentType).equals("application/x-www-form-urlencoded");
    }

    /** Multipart even without a body: the web layer's multipart parsing fails on one without a boundary. */
    private static boolean isMultipart(String contentType) {
        return mediaType(contentType).startsWith("multipart/");
    }

    /** The charset parameter of a Content-Type, lower case and unquoted; null when there is none. */
    private static String charset(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String parameter : contentType.split(";")) {
            int equals = parameter.indexOf('=');
            if (equals > 0 && parameter.substring(0, equals).strip().equalsIgnoreCase("charset")) {
                return parameter.substring(equals + 1).strip().replace("\"", "").toLowerCase(Locale.ROOT);
            }
        }
        return null;
    }

    private static boolean isUtf8(byte[] body) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** At most 40 printable characters of a client's value, for a message. */
    private static String printable(String value) {
        String shown = value.replaceAll("[^\\x20-\\x7e]", "?");
        return shown.length() > 40 ? shown.substring(0, 40) + "…" : shown;
    }

    /** The media type of a Content-Type, lower case, without its parameters ("" for none, or for ";"). */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int parameters = contentType.indexOf(';');
        return (parameters < 0 ? contentType : contentType.substring(0, parameters)).strip().toLowerCase(Locale.ROOT);
    }

    private void tooLarge(HttpServletResponse response) throws IOException {
        // The client may still be sending: close rather than drain an unbounded body.
        response.setHeader("Connection", "close");
        refuse(response, 413, "request body too large: the limit is " + limit + " bytes",
                new FieldProblem("body", "exceeds " + limit + " bytes"));
    }

    private void refuse(HttpServletResponse response, int status, String message, FieldProblem problem)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.getOutputStream().write(json.write(ErrorBody.of(message, List.of(problem))));
    }

    private static final class BufferedBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;

        BufferedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already buffered");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            Charset charset = getCharacterEncoding() == null ? StandardCharsets.UTF_8 : Charset.forName(getCharacterEncoding());
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
