package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

import com.cryptomaltese.gateway.hub.HubException.Kind;
import com.cryptomaltese.gateway.hub.HubListing.HubFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Hugging Face Hub's wire protocol: the file listing and {@code resolve} downloads. Redirects
 * are followed here, not by the HTTP client, so that the {@code Authorization} header goes to the
 * Hub's own origin only and never to the host a redirect points at (the LFS CDN).
 */
public class HubClient {

    private static final int MAX_REDIRECTS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String READ_BUFFER = "jdk.httpclient.bufsize";
    /** What a listing request fetches, as errors name it: followed by the revision. */
    private static final String LISTING_OF = "the file list of revision ";

    static {
        useLargeReadBuffers();
    }

    /**
     * The JDK's HTTP client reads sockets in 16 KiB buffers unless {@code jdk.httpclient.bufsize}
     * says otherwise, which made a 1 GiB download cost about twice the CPU time of curl; with 1 MiB
     * it costs about as much (tools/bench/download.sh). The property is read once, when the first
     * client of the JVM is built: set here and at the start of the application, unless the operator
     * set it (-Djdk.httpclient.bufsize=...).
     */
    public static void useLargeReadBuffers() {
        if (System.getProperty(READ_BUFFER) == null) {
            System.setProperty(READ_BUFFER, String.valueOf(1 << 20));
        }
    }

    private final URI endpoint;
    private final HttpClient http;
    private final Duration readTimeout;

    public HubClient(String endpoint, Duration connectTimeout, Duration readTimeout) {
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.endpoint = URI.create(base);
        if (this.endpoint.getHost() == null || this.endpoint.getUserInfo() != null) {
            throw new IllegalArgumentException("gateway.hub.endpoint must be an http(s) URL without credentials");
        }
        this.readTimeout = readTimeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connectTimeout).build();
    }

    public String endpoint() {
        return endpoint.toString();
    }

    /** One try at the listing; {@link HubException#retryable()} tells whether another try may help. */
    public HubListing listing(String repoId, String revision, String token) {
        URI uri = URI.create(endpoint + "/api/models/" + repoId + "/revision/" + segment(revision) + "?blobs=true");
        Response response = get(uri, token, -1, repoId, LISTING_OF + revision);
        try (InputStream body = response.body()) {
            JsonNode json = JSON.readTree(body.readNBytes(32 * 1024 * 1024));
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
            throw new HubException(Kind.NETWORK, "reading the Hub's file list for " + repoId + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Opens {@code {endpoint}/{repo}/resolve/{commit}/{path}}, from byte {@code offset} when it is
     * above zero. The caller closes the body.
     */
    Response resolve(String repoId, String commit, String path, String token, long offset) {
        StringBuilder uri = new StringBuilder(endpoint + "/" + repoId + "/resolve/" + segment(commit));
        for (String part : path.split("/")) {
            uri.append('/').append(segment(part));
        }
        return get(URI.create(uri.toString()), token, offset, repoId, path);
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

    private Response get(URI start, String token, long offset, String repoId, String what) {
        URI uri = start;
        HttpHeaders first = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(readTimeout)
                    .header("User-Agent", "maltese-gateway/1 (hub client)");
            // The token goes to the Hub's origin only: a redirect elsewhere (the LFS CDN) never gets it.
            if (token != null && !token.isBlank() && sameOrigin(uri, endpoint)) {
                request.header("Authorization", "Bearer " + token);
            }
            if (offset > 0) {
                request.header("Range", "bytes=" + offset + "-");
            }
            HttpResponse<ResponseBody> response;
            try {
                response = http.send(request.build(), ResponseBody.handler());
            } catch (IOException e) {
                throw new HubException(Kind.NETWORK, "could not reach " + origin(uri) + " for " + what + " of "
                        + repoId + ": " + describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException(Kind.CANCELLED, "download of " + repoId + " was cancelled");
            }
            int status = response.statusCode();
            if (first == null) {
                first = response.headers();
            }
            if (status == 200 || status == 206) {
                return new Response(status, response.headers(), response.body(), first);
            }
            String detail = errorText(response);
            if (status >= 300 && status < 400 && status != 304) {
                String location = response.headers().firstValue("Location").orElse(null);
                if (location == null) {
                    throw new HubException(Kind.SERVER, "the Hub redirected " + what + " of " + repoId + " without a Location");
                }
                uri = uri.resolve(location);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                    throw new HubException(Kind.UNSAFE, "the Hub redirected " + what + " of " + repoId + " to a non-HTTP address");
                }
                continue;
            }
            throw failure(status, response.headers(), repoId, what, detail, token != null && !token.isBlank());
        }
        throw new HubException(Kind.SERVER, "too many redirects fetching " + what + " of " + repoId);
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

    /** The Hub's short error text ({"error": "..."} or X-Error-Message), cut short and printable. */
    private static String errorText(HttpResponse<ResponseBody> response) {
        String text = response.headers().firstValue("X-Error-Message").orElse("");
        try (InputStream body = response.body()) {
            byte[] bytes = body.readNBytes(2048);
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
        text = text.replaceAll("\\p{Cntrl}", " ").trim();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
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

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
