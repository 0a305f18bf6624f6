package com.cryptomaltese.gateway.hub;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

import com.cryptomaltese.gateway.hub.HubException.Kind;
import com.cryptomaltese.gateway.hub.HubListing.HubFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.routing.SystemDefaultRoutePlanner;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.util.Timeout;

/**
 * The Hugging Face Hub's wire protocol: the file listing and {@code resolve} downloads. Redirects
 * are followed here, not by the HTTP client, so that the {@code Authorization} header goes to the
 * Hub's own origin only and never to the host a redirect points at (the LFS CDN).
 * <p>
 * Apache HttpClient's classic (blocking) I/O: the transfer thread reads the body from the socket
 * itself. The JDK's asynchronous client passes every read between its selector and executor threads
 * and through its own buffers, which cost twice the CPU per gigabyte (0.93 s against 0.48 s here,
 * tools/bench/README.md). Automatic retries, decompression and cookies are off: retries and
 * resumption are the {@link DownloadManager}'s, and a model file must arrive as its bytes.
 */
public class HubClient implements Closeable {

    private static final int MAX_REDIRECTS = 5;
    /** Connections kept per host: the parallel file transfers, a listing and some to spare. */
    private static final int CONNECTIONS_PER_HOST = 16;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a listing request fetches, as errors name it: followed by the revision. */
    private static final String LISTING_OF = "the file list of revision ";
    /** The largest file list read (a model's is far smaller); the rest of a longer one is never read. */
    static final int LISTING_LIMIT = 32 << 20;

    private final URI endpoint;
    private final CloseableHttpClient http;

    /**
     * @param tls trust (and protocol) for {@code https} connections to the Hub and to the hosts it
     *            redirects to; host names are always verified
     */
    public HubClient(String endpoint, Duration connectTimeout, Duration readTimeout, SSLContext tls) {
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.endpoint = URI.create(base);
        if (this.endpoint.getHost() == null || this.endpoint.getUserInfo() != null) {
            throw new IllegalArgumentException("gateway.hub.endpoint must be an http(s) URL without credentials");
        }
        // The socket timeout drops a connection that delivers nothing for readTimeout, headers or body.
        ConnectionConfig connections = ConnectionConfig.custom().setConnectTimeout(Timeout.of(connectTimeout))
                .setSocketTimeout(Timeout.of(readTimeout)).build();
        this.http = HttpClients.custom()
                // The JVM's proxy settings (https.proxyHost, …), as the JDK's client honours them.
                .setRoutePlanner(new SystemDefaultRoutePlanner(ProxySelector.getDefault()))
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultConnectionConfig(connections)
                        .setTlsSocketStrategy(ClientTlsStrategyBuilder.create().setSslContext(tls).buildClassic())
                        .setMaxConnPerRoute(CONNECTIONS_PER_HOST).setMaxConnTotal(4 * CONNECTIONS_PER_HOST).build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(readTimeout)).build())
                .setUserAgent("maltese-gateway/1 (hub client)")
                .disableRedirectHandling().disableAutomaticRetries().disableContentCompression()
                .disableCookieManagement().build();
    }

    @Override
    public void close() throws IOException {
        http.close();
    }

    public String endpoint() {
        return endpoint.toString();
    }

    /**
     * One try at the listing; {@link HubException#retryable()} tells whether another try may help.
     * While the request runs, closing what it puts in {@code open} aborts it.
     */
    public HubListing listing(String repoId, String revision, String token, Collection<Closeable> open) {
        URI uri = URI.create(endpoint + "/api/models/" + repoId + "/revision/" + segment(revision) + "?blobs=true");
        Response response = get(uri, token, -1, repoId, LISTING_OF + revision, open);
        ResponseBody body = response.body();
        try {
            byte[] bytes = body.readNBytes(LISTING_LIMIT + 1);
            if (bytes.length > LISTING_LIMIT) {
                throw new HubException(Kind.INTEGRITY, "the Hub's file list for " + repoId + " is larger than "
                        + (LISTING_LIMIT >> 20) + " MiB, which no model's is; refusing it");
            }
            JsonNode json = JSON.readTree(bytes);
            String commit = json.path("sha").asText(null);
            if (commit == null || !json.path("siblings").isArray()) {
                throw new HubException(Kind.SERVER, "the Hub's file list for " + repoId + " has no commit or no files");
            }
            List<HubFile> files = new ArrayList<>();
            for (JsonNode sibling : json.path("siblings")) {
                JsonNode lfs = sibling.path("lfs");
                String sha256 = lfs.isObject() ? lfs.path("sha256").asText(null) : null;
                long size = sibling.path("size").asLong(lfs.path("size").asLong(-1));
                files.add(new HubFile(sibling.path("rfilename").asText(""), size,
                        sibling.path("blobId").asText(null), sha256 == null ? null : sha256.toLowerCase(Locale.ROOT)));
            }
            return new HubListing(repoId, commit, List.copyOf(files));
        } catch (IOException e) {
            // Asked before this method closes the body: only a close from elsewhere is a cancel.
            if (body.aborted()) {
                throw new HubException(Kind.CANCELLED, "download of " + repoId + " was cancelled");
            }
            throw new HubException(Kind.NETWORK, "reading the Hub's file list for " + repoId + " failed: " + e.getMessage(), e);
        } finally {
            body.close();
            open.remove(body);
        }
    }

    /**
     * Opens {@code {endpoint}/{repo}/resolve/{commit}/{path}}, from byte {@code offset} when it is
     * above zero. The caller closes the body and removes it from {@code open}, where it stays while
     * the request runs: closing what is in {@code open} aborts it (a cancel, a shutdown).
     */
    Response resolve(String repoId, String commit, String path, String token, long offset, Collection<Closeable> open) {
        StringBuilder uri = new StringBuilder(endpoint + "/" + repoId + "/resolve/" + segment(commit));
        for (String part : path.split("/")) {
            uri.append('/').append(segment(part));
        }
        return get(URI.create(uri.toString()), token, offset, repoId, path, open);
    }

    /** A response with a body: 200, or 206 for a range. */
    record Response(int status, HttpHeaders headers, ResponseBody body, HttpHeaders hubHeaders) {

        /** Start of the returned range (0 for a full answer). */
        public long rangeStart() {
            if (status != 206) {
                return 0;
            }
            String range = headers.firstValue("Content-Range").orElse("");
            // bytes 100-199/200
            int space = range.indexOf(' ');
            int dash = range.indexOf('-');
            try {
                return Long.parseLong(range.substring(space + 1, dash).trim());
            } catch (RuntimeException e) {
                return -1;
            }
        }

        /** A header of the first (Hub) answer, where X-Repo-Commit and X-Linked-* live, else of the last. */
        public String header(String name) {
            return hubHeaders.firstValue(name).or(() -> headers.firstValue(name)).orElse(null);
        }

        public OptionalLong contentLength() {
            return headers.firstValueAsLong("Content-Length");
        }
    }

    private Response get(URI start, String token, long offset, String repoId, String what, Collection<Closeable> open) {
        URI uri = start;
        HttpHeaders first = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpGet request = new HttpGet(uri);
            // The token goes to the Hub's origin only: a redirect elsewhere (the LFS CDN) never gets it.
            if (token != null && !token.isBlank() && sameOrigin(uri, endpoint)) {
                request.setHeader("Authorization", "Bearer " + token);
            }
            if (offset > 0) {
                request.setHeader("Range", "bytes=" + offset + "-");
            }
            Closeable abort = request::cancel;
            open.add(abort);
            ResponseBody body;
            try {
                body = ResponseBody.open(request, http.executeOpen(null, request, null));
                // Closing the body aborts the exchange from here on: registered before the hook goes.
                open.add(body);
            } catch (IOException e) {
                if (request.isCancelled()) {
                    throw new HubException(Kind.CANCELLED, "download of " + repoId + " was cancelled");
                }
                if (certificateRefused(e)) {
                    throw new HubException(Kind.TLS, "the TLS certificate of " + origin(uri) + " was refused for "
                            + what + " of " + repoId + ": " + rootMessage(e) + "; for a mirror behind a private CA, "
                            + "name its trust in GATEWAY_HUB_SSL_BUNDLE (gateway.hub.ssl-bundle)", e);
                }
                throw new HubException(Kind.NETWORK, "could not reach " + origin(uri) + " for " + what + " of "
                        + repoId + ": " + describe(e), e);
            } finally {
                open.remove(abort);
            }
            ClassicHttpResponse response = body.response();
            int status = response.getCode();
            HttpHeaders headers = headers(response);
            if (first == null) {
                first = headers;
            }
            if (status == 200 || status == 206) {
                return new Response(status, headers, body, first); // the caller removes the body from open
            }
            String detail = errorText(headers, body);
            open.remove(body);
            if (status >= 300 && status < 400 && status != 304) {
                String location = headers.firstValue("Location").orElse(null);
                if (location == null) {
                    throw new HubException(Kind.SERVER, "the Hub redirected " + what + " of " + repoId + " without a Location");
                }
                uri = uri.resolve(location);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                    throw new HubException(Kind.UNSAFE, "the Hub redirected " + what + " of " + repoId + " to a non-HTTP address");
                }
                continue;
            }
            throw failure(status, headers, repoId, what, detail, token != null && !token.isBlank());
        }
        throw new HubException(Kind.SERVER, "too many redirects fetching " + what + " of " + repoId);
    }

    /** The response's headers, names case-insensitive, as the rest of the gateway reads them. */
    private static HttpHeaders headers(ClassicHttpResponse response) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Header header : response.getHeaders()) {
            map.computeIfAbsent(header.getName(), name -> new ArrayList<>()).add(header.getValue());
        }
        return HttpHeaders.of(map, (name, value) -> true);
    }

    private HubException failure(int status, HttpHeaders headers, String repoId, String what, String detail,
                                 boolean hadToken) {
        String from = " (HTTP " + status + (detail.isEmpty() ? "" : ": " + detail) + ")";
        if (status == 401 || status == 403) {
            String gated = headers.firstValue("X-Error-Code").orElse("");
            String hint = hadToken
                    ? "the token was refused or has no access; for a gated model accept its terms on the Hub first"
                    : "the repository is private or gated: send auth_token or set HF_TOKEN";
            return new HubException(Kind.ACCESS, "the Hub refused access to " + repoId + ": " + hint
                    + ("GatedRepo".equals(gated) ? " (gated repository)" : "") + from);
        }
        if (status == 404) {
            return new HubException(Kind.NOT_FOUND, "the Hub has no " + (what.startsWith(LISTING_OF)
                    ? "model " + repoId + " at revision " + what.substring(LISTING_OF.length())
                    : "file " + what + " in " + repoId) + from);
        }
        if (status == 429) {
            HubException e = new HubException(Kind.RATE_LIMITED, "the Hub is rate limiting downloads of " + repoId
                    + "; try again later" + from);
            return new RetryAfter(e, headers.firstValueAsLong("Retry-After").orElse(-1));
        }
        if (status >= 500) {
            return new HubException(Kind.SERVER, "the Hub failed to serve " + what + " of " + repoId
                    + "; try again later" + from);
        }
        return new HubException(Kind.SERVER, "the Hub answered " + what + " of " + repoId + " unexpectedly" + from);
    }

    /** A 429 that named how long to wait. */
    static final class RetryAfter extends HubException {
        final long seconds;

        RetryAfter(HubException e, long seconds) {
            super(e.kind(), e.getMessage());
            this.seconds = seconds;
        }
    }

    /** The Hub's short error text ({"error": "..."} or X-Error-Message), cut short and printable; closes the body. */
    private static String errorText(HttpHeaders headers, ResponseBody body) {
        String text = headers.firstValue("X-Error-Message").orElse("");
        try (InputStream in = body) {
            byte[] bytes = in.readNBytes(2048);
            if (text.isEmpty() && bytes.length > 0) {
                try {
                    text = JSON.readTree(bytes).path("error").asText("");
                } catch (IOException e) {
                    text = "";
                }
            }
        } catch (IOException ignored) {
            // the status says enough
        }
        return printable(text);
    }

    /**
     * At most 200 characters of a server's text, each control, format (bidi overrides) and line or
     * paragraph separator a space: it reaches the logs and the model's error.
     */
    static String printable(String text) {
        String shown = text.replaceAll("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]", " ").trim();
        return shown.codePointCount(0, shown.length()) > 200
                ? shown.substring(0, shown.offsetByCodePoints(0, 200)) + "…" : shown;
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    private static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }

    /**
     * An untrusted, expired or wrongly named certificate: the same on every try, so never retried.
     * JSSE reports these as a handshake failure caused by a CertificateException; HttpClient's own
     * host name check as SSLPeerUnverifiedException.
     */
    private static boolean certificateRefused(IOException e) {
        if (e instanceof SSLPeerUnverifiedException) {
            return true;
        }
        for (Throwable t = e; e instanceof SSLHandshakeException && t != null; t = t.getCause()) {
            if (t instanceof CertificateException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message, where JSSE says what is wrong without its class names. */
    private static String rootMessage(Throwable e) {
        String message = e.getMessage();
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
