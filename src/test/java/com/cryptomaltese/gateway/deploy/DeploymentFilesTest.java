package com.cryptomaltese.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.util.unit.DataSize;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files agree with each other and with the gateway: docker-compose.yml, the
 * Dockerfile, the nginx template, .env.example, application.yml and the README's configuration
 * table. Read as files from the repository root (Maven's working directory); the running gateway
 * (shared test context) answers the health-check path.
 */
class DeploymentFilesTest extends ApiTestBase {

    /** The configuration contract: these names exist everywhere, spelled exactly so. */
    static final List<String> CONTRACT = List.of("SERVER_PORT", "GATEWAY_DATA_DIR", "GATEWAY_API_KEYS",
            "GATEWAY_ADMIN_KEYS", "HF_ENDPOINT", "HF_TOKEN", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL",
            "GATEWAY_DEFAULT_MODEL");

    static final Path ROOT = Path.of("").toAbsolutePath();

    static String read(String path) throws IOException {
        return Files.readString(ROOT.resolve(path));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> compose() throws IOException {
        return new Yaml().load(read("docker-compose.yml"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> service(String name) throws IOException {
        return (Map<String, Object>) ((Map<String, Object>) compose().get("services")).get(name);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return o == null ? List.of() : (List<Object>) o;
    }

    static Set<String> groups(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** {@code ${NAME:default}} placeholders of application.yml. */
    static Set<String> applicationPlaceholders() throws IOException {
        return groups(Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]"), read("src/main/resources/application.yml"));
    }

    /** The default a placeholder of application.yml falls back to. */
    static String applicationDefault(String name) throws IOException {
        Matcher m = Pattern.compile("\\$\\{" + name + ":(.*)}\\s*$", Pattern.MULTILINE)
                .matcher(read("src/main/resources/application.yml"));
        assertThat(m.find()).as("application.yml has ${%s:...}", name).isTrue();
        return m.group(1);
    }

    /** {@code ${NAME}} interpolations of docker-compose.yml ({@code $${...}} is an escape, not one). */
    static Set<String> composeInterpolations() throws IOException {
        return groups(Pattern.compile("(?<!\\$)\\$\\{([A-Z][A-Z0-9_]*)"), read("docker-compose.yml"));
    }

    /** Names assigned in .env.example, including the commented-out optional ones. */
    static Set<String> envExampleNames() throws IOException {
        return groups(Pattern.compile("(?m)^#?\\s*([A-Z][A-Z0-9_]*)="), read(".env.example"));
    }

    /** Names in the first column of the README's settings tables (Configuration, and per feature). */
    static Set<String> readmeTableNames() throws IOException {
        String readme = read("README.md");
        assertThat(readme.indexOf("## Configuration")).as("README has a Configuration section").isNotNegative();
        Set<String> names = new TreeSet<>();
        for (String line : readme.split("\n")) {
            if (line.startsWith("| `")) {
                names.addAll(groups(Pattern.compile("`([A-Z][A-Z0-9_]*)`"), line.split("\\|")[1]));
            }
        }
        return names;
    }

    static String dockerfile() throws IOException {
        return read("docker/Dockerfile");
    }

    static String runtimeStage() throws IOException {
        String d = dockerfile();
        return d.substring(d.lastIndexOf("\nFROM "));
    }

    static String dockerfileHealthPath() throws IOException {
        Matcher m = Pattern.compile("HEALTHCHECK[^\\n]*\\\\?\\n?\\s*CMD[^\\n]*http://127\\.0\\.0\\.1:[^/]+(/[^\"\\s]*)")
                .matcher(dockerfile());
        assertThat(m.find()).as("Dockerfile HEALTHCHECK calls a local URL").isTrue();
        return m.group(1);
    }

    static String nginxTemplate() throws IOException {
        return read("nginx/templates/maltese.conf.template");
    }

    static String nginxDirective(String name) throws IOException {
        Matcher m = Pattern.compile("(?m)^\\s*" + name + "\\s+([^;]+);").matcher(nginxTemplate());
        assertThat(m.find()).as("nginx template sets %s", name).isTrue();
        return m.group(1).trim();
    }

    /** nginx sizes: 256k, 1m, or plain bytes. */
    static long nginxBytes(String size) {
        String s = size.toLowerCase();
        long unit = s.endsWith("k") ? 1024 : s.endsWith("m") ? 1024 * 1024 : s.endsWith("g") ? 1024L * 1024 * 1024 : 1;
        return Long.parseLong(unit == 1 ? s : s.substring(0, s.length() - 1)) * unit;
    }

    // ---- compose ----------------------------------------------------------------------------

    @Test
    void onlyNginxPublishesPortsEightyAndFourFortyThree() throws IOException {
        Map<String, Object> services = map(compose().get("services"));
        assertThat(services).containsKeys("gateway", "nginx", "certbot");
        assertThat(service("gateway")).doesNotContainKey("ports");
        assertThat(service("certbot")).doesNotContainKey("ports");
        assertThat(list(service("nginx").get("ports"))).containsExactlyInAnyOrder("80:80", "443:443");
        assertThat(service("nginx").get("environment")).isInstanceOf(Map.class);
        assertThat(map(service("nginx").get("environment")))
                .containsEntry("NGINX_HTTP_LISTEN", "80").containsEntry("NGINX_HTTPS_LISTEN", "443");
    }

    @Test
    void everyServiceRestartsHasLogRotationAndAHealthCheck() throws IOException {
        for (String name : List.of("gateway", "nginx", "certbot")) {
            Map<String, Object> s = service(name);
            assertThat(s.get("restart")).as(name).isEqualTo("unless-stopped");
            Map<String, Object> logging = map(s.get("logging"));
            assertThat(logging.get("driver")).as(name).isEqualTo("json-file");
            assertThat(map(logging.get("options"))).as(name).containsKeys("max-size", "max-file");
            assertThat(map(s.get("healthcheck"))).as(name).containsKey("test");
        }
        Map<String, Object> dependsOn = map(service("nginx").get("depends_on"));
        assertThat(map(dependsOn.get("gateway"))).containsEntry("condition", "service_healthy");
        assertThat(map(dependsOn.get("certbot"))).containsEntry("condition", "service_healthy");
    }

    @Test
    void volumesAreDeclaredAndTheGatewayDataVolumeIsTheImagesDataDir() throws IOException {
        Set<String> declared = map(compose().get("volumes")).keySet();
        Set<String> used = new LinkedHashSet<>();
        for (String name : List.of("gateway", "nginx", "certbot")) {
            for (Object v : list(service(name).get("volumes"))) {
                String source = v.toString().split(":")[0];
                if (source.startsWith(".")) {
                    assertThat(ROOT.resolve(source).normalize()).as("bind mount %s of %s", source, name).exists();
                } else {
                    used.add(source);
                }
            }
        }
        assertThat(declared).containsExactlyInAnyOrderElementsOf(used);

        assertThat(list(service("gateway").get("volumes"))).contains("gateway-data:/data");
        assertThat(map(service("gateway").get("environment"))).containsEntry("GATEWAY_DATA_DIR", "/data");
        String runtime = runtimeStage();
        assertThat(runtime).containsPattern("(?m)^\\s*GATEWAY_DATA_DIR=/data\\b").contains("VOLUME /data");
        // The ACME webroot and the certificates are shared by nginx (read-only) and certbot.
        assertThat(list(service("nginx").get("volumes")))
                .contains("certbot-www:/var/www/certbot:ro", "letsencrypt:/etc/letsencrypt:ro");
        assertThat(list(service("certbot").get("volumes")))
                .contains("certbot-www:/var/www/certbot", "letsencrypt:/etc/letsencrypt");
        Map<String, Object> nginxEnv = map(service("nginx").get("environment"));
        assertThat(nginxEnv).containsEntry("NGINX_ACME_ROOT", "/var/www/certbot")
                .containsEntry("NGINX_CERT_DIR", "/etc/letsencrypt/live/cryptomaltese.com");
    }

    @Test
    void nginxGetsEveryTemplateValueAndProxiesToTheGatewaysPort() throws IOException {
        Set<String> placeholders = groups(Pattern.compile("\\$\\{(NGINX_[A-Z_]+)}"), nginxTemplate());
        assertThat(placeholders).isNotEmpty();
        assertThat(map(service("nginx").get("environment")).keySet()).containsAll(placeholders);
        assertThat(map(service("nginx").get("environment")).get("NGINX_UPSTREAM"))
                .isEqualTo("gateway:${SERVER_PORT:-" + applicationDefault("SERVER_PORT") + "}");
        assertThat(list(service("nginx").get("volumes")))
                .contains("./nginx/templates/maltese.conf.template:/etc/nginx/templates/default.conf.template:ro");
        assertThat(list(map(service("gateway")).get("expose"))).containsExactly(applicationDefault("SERVER_PORT"));
        assertThat(runtimeStage()).contains("EXPOSE " + applicationDefault("SERVER_PORT"));
    }

    @Test
    void theGatewayTrustsForwardedHeadersFromNginxsAddressOnly() throws IOException {
        String address = map(map(service("nginx").get("networks")).get("maltese")).get("ipv4_address").toString();
        Pattern trusted = Pattern.compile(map(service("gateway").get("environment")).get("GATEWAY_TRUSTED_PROXIES").toString());
        assertThat(trusted.matcher(address).matches()).isTrue();
        for (String other : List.of("172.30.57.1", "172.30.57.100", "172.30.57.11", "10.0.0.1", "127.0.0.1")) {
            assertThat(trusted.matcher(other).matches()).as(other).isFalse();
        }
        // The default (outside compose): loopback only, as Tomcat spells the addresses.
        Pattern fallback = Pattern.compile(applicationDefault("GATEWAY_TRUSTED_PROXIES"));
        assertThat(List.of("127.0.0.1", "127.0.0.3", "0:0:0:0:0:0:0:1")).allMatch(a -> fallback.matcher(a).matches());
        assertThat(List.of("10.0.0.1", "192.168.1.1", "172.17.0.1", "8.8.8.8", "1270.0.0.1"))
                .noneMatch(a -> fallback.matcher(a).matches());
    }

    // ---- Dockerfile -------------------------------------------------------------------------

    @Test
    void theHealthCheckPathIsTheGatewaysHealthEndpoint() throws IOException {
        String path = dockerfileHealthPath();
        assertThat(path).isEqualTo("/api/v1/health");
        assertThat(list(map(service("gateway").get("healthcheck")).get("test")).toString()).contains(path);
        Reply reply = api.get(path, null);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().path("status").asText()).isEqualTo("healthy");
    }

    @Test
    void theImageRunsTheJarAsANonRootUserWithRoutesAndOfflineNatives() throws IOException {
        String d = dockerfile();
        assertThat(d.split("\nFROM ").length).as("multi-stage").isGreaterThanOrEqualTo(3);
        String runtime = runtimeStage();
        assertThat(runtime).contains("libgomp1").contains("COPY routes routes").contains("WORKDIR /app")
                .contains("ENGINE_CACHE_DIR=/opt/djl").contains("COPY --from=build /opt/djl /opt/djl")
                .contains("MaxRAMPercentage").contains("COPY docker/entrypoint.sh entrypoint.sh")
                .contains("ENTRYPOINT [\"/app/entrypoint.sh\"]");
        assertThat(read("docker/entrypoint.sh")).contains("-Dai.djl.offline=true -jar /app/app.jar");
        assertThat(Files.isExecutable(ROOT.resolve("docker/entrypoint.sh"))).as("COPY keeps the mode").isTrue();
        // llama.cpp's library needs libgomp.so.1 wherever tests run too: CI installs it when missing.
        assertThat(read(".ci/run")).contains("missing+=(libgomp1)");
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(runtime);
        assertThat(user.find()).isTrue();
        assertThat(user.group(1)).isNotIn("root", "0");
        // Dependencies are fetched in a layer before the sources are copied.
        assertThat(d.indexOf("dependency:go-offline")).isPositive().isLessThan(d.indexOf("COPY src"));
        assertThat(d).contains("docker/DjlNatives.java");
        assertThat(ROOT.resolve("docker/DjlNatives.java")).exists();
        // The routes are read from the working directory, as application.yml says.
        assertThat(applicationDefault("GATEWAY_ROUTES")).isEqualTo("file:routes/*.yaml");
    }

    /**
     * A model's weights live in direct buffers, which the JVM caps at the heap's maximum unless told
     * otherwise: the entrypoint gives them 65 % of the container's limit (of the machine's memory when
     * there is none, or when the limit is above it), and leaves a limit set by the operator alone.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "4294967296|MemTotal:       16384000 kB||-XX:MaxDirectMemorySize=2791728680",
        "max|MemTotal:        1000000 kB||-XX:MaxDirectMemorySize=665600000",
        "99999999999999|MemTotal:        1000000 kB||-XX:MaxDirectMemorySize=665600000",
        "4294967296|MemTotal:       16384000 kB|-XX:MaxDirectMemorySize=1g|",
    })
    void theEntrypointGivesWeightsMostOfTheContainersMemory(String limit, String meminfo, String toolOptions,
                                                            String expected) throws Exception {
        Path dir = Files.createTempDirectory("entrypoint");
        Files.writeString(dir.resolve("memory.max"), limit + "\n");
        Files.writeString(dir.resolve("meminfo"), meminfo + "\n");
        ProcessBuilder sh = new ProcessBuilder("sh", ROOT.resolve("docker/entrypoint.sh").toString(), "--extra")
                .redirectErrorStream(true);
        sh.environment().put("JAVA", "echo");
        sh.environment().put("MEMORY_LIMIT_FILE", dir.resolve("memory.max").toString());
        sh.environment().put("MEMINFO", dir.resolve("meminfo").toString());
        sh.environment().put("JAVA_TOOL_OPTIONS", toolOptions == null ? "" : toolOptions);
        Process process = sh.start();
        String command = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor()).as(command).isZero();
        String rest = "--extra -Dai.djl.offline=true -jar /app/app.jar";
        assertThat(command).isEqualTo(expected == null ? rest : expected + " " + rest);
    }

    @Test
    void dockerignoreKeepsWhatTheBuildNeedsAndDropsSecrets() throws IOException {
        List<String> ignored = read(".dockerignore").lines().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ignored).contains(".env", "target/", "data/", ".git/");
        for (String needed : List.of("pom.xml", "mvnw", ".mvn/", "src/main/", "routes/", "docker/")) {
            assertThat(ignored).as(needed).noneMatch(l -> needed.startsWith(l.replace("*", "")) && !l.startsWith("!"));
        }
    }

    // ---- nginx ------------------------------------------------------------------------------

    @Test
    void nginxBodyLimitEqualsTheGatewaysAndTimeoutsExceedTheChatDeadline() throws IOException {
        long gatewayLimit = DataSize.parse(applicationDefault("GATEWAY_MAX_BODY_SIZE")).toBytes();
        assertThat(nginxBytes(nginxDirective("client_max_body_size"))).isEqualTo(gatewayLimit);
        assertThat(nginxTemplate()).contains("the limit is " + gatewayLimit + " bytes");

        Duration deadline = Duration.ofSeconds(Long.parseLong(applicationDefault("GATEWAY_CHAT_DEADLINE").replace("s", "")));
        for (String timeout : List.of("proxy_read_timeout", "proxy_send_timeout")) {
            Duration value = Duration.ofSeconds(Long.parseLong(nginxDirective(timeout).replace("s", "")));
            assertThat(value).as(timeout).isGreaterThan(deadline);
        }
        assertThat(nginxDirective("ssl_protocols")).isEqualTo("TLSv1.2 TLSv1.3");
        assertThat(nginxDirective("proxy_buffering")).isEqualTo("off");
        assertThat(nginxDirective("server_tokens")).isEqualTo("off");
    }

    // ---- configuration names ----------------------------------------------------------------

    @Test
    void envExampleNamesAreDocumentedAndReadBySomeone() throws IOException {
        Set<String> env = envExampleNames();
        Set<String> readme = readmeTableNames();
        Set<String> app = applicationPlaceholders();
        Set<String> compose = composeInterpolations();
        List<String> undocumented = new ArrayList<>();
        List<String> unread = new ArrayList<>();
        // Settings without a default (the mail servers: set means enabled) are bound by Spring's
        // relaxed binding rather than a placeholder; application.yml names them in a comment.
        Set<String> bound = groups(Pattern.compile("\\b(GATEWAY_[A-Z0-9_]+)\\b"), read("src/main/resources/application.yml"));
        for (String name : env) {
            if (!readme.contains(name)) {
                undocumented.add(name);
            }
            if (!app.contains(name) && !compose.contains(name) && !bound.contains(name)) {
                unread.add(name);
            }
        }
        assertThat(undocumented).as(".env.example names missing from the README's table").isEmpty();
        assertThat(unread).as(".env.example names neither application.yml nor docker-compose.yml reads").isEmpty();
        // Everything application.yml reads is documented, and compose only interpolates known names.
        assertThat(readme).containsAll(app);
        assertThat(env).containsAll(compose);
        assertThat(app).containsAll(map(service("gateway").get("environment")).keySet());
    }

    @Test
    void theContractNamesAreEverywhere() throws IOException {
        assertThat(envExampleNames()).containsAll(CONTRACT);
        assertThat(readmeTableNames()).containsAll(CONTRACT);
        assertThat(applicationPlaceholders()).containsAll(CONTRACT);
    }

    @Test
    void forwardedProtoFromALoopbackProxyIsHonoured() throws Exception {
        // The test client connects from loopback, which application.yml trusts by default.
        Reply reply = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/docs"))
                .header("X-Forwarded-Proto", "https").GET());
        assertThat(reply.status()).isEqualTo(302);
        assertThat(reply.header("Location")).startsWith("https://");
    }
}
