package com.cryptomaltese.gateway.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.model.ModelId;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The parameter endpoints over HTTP. The context is shared with the other API tests, so every test
 * works on a model folder of its own (created below) and never depends on another test's changes.
 */
class ParametersApiTest extends ApiTestBase {

    private static final String ORG = "params-api";
    /** Never created on disk. */
    private static final String MISSING = "params-api%2Fnot-on-disk";

    /** The specification's defaults as they appear on the wire, written out independently. */
    private static final Map<String, Object> SPEC_DEFAULTS = Map.of(
            "temperature", 0.7, "top_k", 50, "top_p", 0.9, "max_length", 512, "repetition_penalty", 1.1,
            "do_sample", true, "num_beams", 1, "length_penalty", 1.0, "early_stopping", false);

    @Autowired
    private ParameterService parameterService;

    @BeforeAll
    static void modelsOnDisk() {
        for (String name : List.of("fresh", "update", "bounds", "types", "reset", "history", "merge", "invalid", "concurrent",
                "tokens", "vocabulary", "genconfig", "forged", "beams")) {
            TestData.hubModel(modelsDir(), ORG, name, "abc123", "model.safetensors", 32);
        }
    }

    // ---- GET ----

    @Test
    void getBeforeAnyChangeAnswersTheDefaultsAndANullLastUpdated() {
        Reply reply = api.get(params("fresh"), TestApi.USER_KEY);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode json = reply.json();
        assertThat(json.path("model_id").asText()).isEqualTo(ORG + "/fresh");
        assertIsDefaults(json.path("parameters"));
        // Present and null, not left out: clients read "never changed" from it.
        assertThat(json.has("last_updated")).isTrue();
        assertThat(json.get("last_updated").isNull()).isTrue();
    }

    // ---- PUT ----

    @Test
    void putChangesOnlyTheGivenFields() {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Reply reply = api.put(params("update"), TestApi.USER_KEY, "{\"temperature\": 0.3, \"top_k\": 20}");
        Instant after = Instant.now();

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode json = reply.json();
        assertThat(json.path("status").asText()).isEqualTo("success");
        assertThat(json.path("model_id").asText()).isEqualTo(ORG + "/update");
        assertThat(fieldNames(json.path("updated_parameters"))).containsExactlyInAnyOrder("temperature", "top_k");
        assertThat(json.path("updated_parameters").path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(json.path("updated_parameters").path("top_k").asInt()).isEqualTo(20);
        assertIsDefaultsExcept(json.path("parameters"), Map.of("temperature", 0.3, "top_k", 20));

        String lastUpdated = json.path("last_updated").asText();
        assertThat(lastUpdated).endsWith("Z");
        assertThat(Instant.parse(lastUpdated)).isBetween(before, after);

        // A second read sees the change, with the same timestamp.
        JsonNode read = api.get(params("update"), TestApi.USER_KEY).json();
        assertIsDefaultsExcept(read.path("parameters"), Map.of("temperature", 0.3, "top_k", 20));
        assertThat(read.path("last_updated").asText()).isEqualTo(lastUpdated);

        // A field sent with the value stored already changes nothing and is not named.
        JsonNode again = api.put(params("update"), TestApi.USER_KEY, "{\"temperature\": 0.4, \"top_k\": 20}").json();
        assertThat(fieldNames(again.path("updated_parameters"))).containsExactly("temperature");
        assertThat(api.get(params("update") + "/history", TestApi.USER_KEY).json().path("changes").findValuesAsText("parameter"))
                .containsExactly("temperature", "top_k", "temperature"); // newest first, the first PUT's two by id
    }

    static Stream<Arguments> boundsJustInside() {
        return Stream.of(
                Arguments.of("temperature", "0"), Arguments.of("temperature", "0.0"), Arguments.of("temperature", "2"),
                Arguments.of("temperature", "1.9999"),
                Arguments.of("top_k", "1"), Arguments.of("top_k", "100"),
                Arguments.of("top_p", "0"), Arguments.of("top_p", "1"), Arguments.of("top_p", "0.9999"),
                Arguments.of("max_length", "1"), Arguments.of("max_length", "2048"),
                Arguments.of("repetition_penalty", "0.0001"), Arguments.of("repetition_penalty", "2"),
                Arguments.of("num_beams", "1"), Arguments.of("num_beams", "10"),
                Arguments.of("length_penalty", "0"), Arguments.of("length_penalty", "2"),
                Arguments.of("pad_token_id", "0"), Arguments.of("pad_token_id", "2147483647"));
    }

    static Stream<Arguments> boundsJustOutside() {
        return Stream.of(
                Arguments.of("temperature", "-0.0001"), Arguments.of("temperature", "2.0001"),
                Arguments.of("top_k", "0"), Arguments.of("top_k", "101"),
                Arguments.of("top_p", "-0.0001"), Arguments.of("top_p", "1.0001"),
                Arguments.of("max_length", "0"), Arguments.of("max_length", "2049"),
                // transformers divides by the penalty: 0 is refused.
                Arguments.of("repetition_penalty", "0"), Arguments.of("repetition_penalty", "2.0001"),
                Arguments.of("num_beams", "0"), Arguments.of("num_beams", "11"),
                Arguments.of("length_penalty", "-0.0001"), Arguments.of("length_penalty", "2.0001"),
                Arguments.of("pad_token_id", "-1"), Arguments.of("eos_token_id", "-1"),
                Arguments.of("eos_token_id", "[2, -1]"));
    }

    @ParameterizedTest(name = "{0} = {1} is accepted")
    @MethodSource("boundsJustInside")
    void valueJustInsideABoundIsAccepted(String field, String jsonValue) {
        // Beams cannot sample, and sampling is on by default.
        String alongside = field.equals("num_beams") ? ", \"do_sample\": false" : "";
        Reply reply = api.put(params("bounds"), TestApi.USER_KEY, "{\"" + field + "\": " + jsonValue + alongside + "}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("parameters").path(field).decimalValue())
                .isEqualByComparingTo(new BigDecimal(jsonValue));
    }

    @ParameterizedTest(name = "{0} = {1} is refused")
    @MethodSource("boundsJustOutside")
    void valueJustOutsideABoundIsRefusedNamingTheField(String field, String jsonValue) {
        Reply reply = api.put(params("bounds"), TestApi.USER_KEY, "{\"" + field + "\": " + jsonValue + "}");

        assertBadRequest(reply, field);
    }

    @Test
    void refusedUpdateChangesNothing() {
        // One field in range, one out: the whole request is refused, so the valid one is not stored either.
        Reply reply = api.put(params("types"), TestApi.USER_KEY, "{\"top_k\": 30, \"temperature\": 5}");

        assertBadRequest(reply, "temperature");
        assertIsDefaults(api.get(params("types"), TestApi.USER_KEY).json().path("parameters"));
    }

    @Test
    void unknownFieldIsRefusedByName() {
        assertBadRequest(api.put(params("types"), TestApi.USER_KEY, "{\"topk\": 40}"), "topk");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "temperature | \"0.5\"",
            "do_sample   | 1",
            "top_k       | 2.5",
            "max_length  | true",
            "early_stopping | \"false\"",
            "num_beams   | [1]",
            "pad_token_id | [0]",
            "pad_token_id | 1.5",
            "eos_token_id | \"2\"",
            "eos_token_id | 2.5",
            "eos_token_id | []",
            "eos_token_id | [2, \"0\"]",
            "eos_token_id | [[2]]",
            "eos_token_id | {\"id\": 2}",
            "eos_token_id | [99999999999]",
            "eos_token_id | [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]"})
    void wrongTypeIsRefusedByName(String field, String jsonValue) {
        assertBadRequest(api.put(params("types"), TestApi.USER_KEY, "{\"" + field + "\": " + jsonValue + "}"), field);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "top_k       | 99999999999",
            "max_length  | -99999999999",
            "temperature | 1e400",
            "top_p       | -1e400"})
    void numberBeyondTheJavaTypeIsRefusedByName(String field, String jsonValue) {
        // Too large for an int, or for a double (read as infinity): still a 400 that names the field.
        assertBadRequest(api.put(params("types"), TestApi.USER_KEY, "{\"" + field + "\": " + jsonValue + "}"), field);
    }

    @Test
    void explicitNullIsRefusedByName() {
        assertBadRequest(api.put(params("types"), TestApi.USER_KEY, "{\"temperature\": null}"), "temperature");
    }

    @Test
    void emptyObjectIsRefused() {
        assertBadRequest(api.put(params("types"), TestApi.USER_KEY, "{}"), "body");
    }

    @ParameterizedTest(name = "[{index}] <{0}>")
    @ValueSource(strings = {"{\"temperature\": 0.5", "not json", "{\"temperature\": 0.5} {}", "[{\"temperature\": 0.5}]",
            "", "0.5"})
    void bodyThatIsNotOneJsonObjectIsRefused(String body) {
        assertBadRequest(api.put(params("types"), TestApi.USER_KEY, body), "body");
    }

    // ---- reset and history ----

    @Test
    void resetRestoresEveryDefaultAndRecordsTheResetInTheHistory() {
        assertThat(api.put(params("reset"), TestApi.USER_KEY, "{\"temperature\": 1.5, \"do_sample\": false}").status())
                .isEqualTo(200);

        Reply reply = api.post(params("reset") + "/reset", TestApi.USER_KEY, null);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("status").asText()).isEqualTo("success");
        assertThat(reply.json().path("model_id").asText()).isEqualTo(ORG + "/reset");
        assertIsDefaults(reply.json().path("parameters"));
        assertIsDefaults(api.get(params("reset"), TestApi.USER_KEY).json().path("parameters"));

        List<JsonNode> changes = changes("reset");
        // Newest first: the two reset entries (back to the default: new_value null), then the two changes.
        assertThat(changes).hasSize(4);
        List<JsonNode> resets = changes.subList(0, 2);
        assertThat(resets).extracting(c -> c.path("parameter").asText())
                .containsExactlyInAnyOrder("temperature", "do_sample");
        for (JsonNode c : resets) {
            assertThat(c.has("new_value")).isTrue();
            assertThat(c.get("new_value").isNull()).as(c.toString()).isTrue();
        }
        JsonNode temperatureReset = resets.stream().filter(c -> c.path("parameter").asText().equals("temperature"))
                .findFirst().orElseThrow();
        assertThat(temperatureReset.get("old_value").isNumber()).isTrue();
        assertThat(temperatureReset.get("old_value").asDouble()).isEqualTo(1.5);
        assertThat(reply.json().path("last_updated").asText()).isEqualTo(resets.get(0).path("changed_at").asText());
    }

    @Test
    void historyListsChangesNewestFirstWithTypedValuesAndAKeyFingerprint() {
        put("history", "{\"temperature\": 0.3}");
        put("history", "{\"temperature\": 0.5}");
        put("history", "{\"do_sample\": false}");
        put("history", "{\"top_k\": 20}");

        Reply reply = api.get(params("history") + "/history", TestApi.USER_KEY);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("model_id").asText()).isEqualTo(ORG + "/history");
        List<JsonNode> changes = changes("history");

        assertThat(changes).extracting(c -> c.path("parameter").asText())
                .containsExactly("top_k", "do_sample", "temperature", "temperature");
        assertChange(changes.get(0), "top_k", null, 20);
        assertChange(changes.get(1), "do_sample", null, false);
        assertChange(changes.get(2), "temperature", 0.3, 0.5);
        assertChange(changes.get(3), "temperature", null, 0.3);

        List<Instant> times = new ArrayList<>();
        for (JsonNode c : changes) {
            String changedAt = c.path("changed_at").asText();
            assertThat(changedAt).endsWith("Z");
            times.add(Instant.parse(changedAt));
            String changedBy = c.path("changed_by").asText();
            assertThat(changedBy).matches("key:[0-9a-f]{12}").isEqualTo(fingerprint(TestApi.USER_KEY))
                    .doesNotContain(TestApi.USER_KEY);
        }
        assertThat(times).isSortedAccordingTo((a, b) -> b.compareTo(a));
        assertThat(reply.body()).doesNotContain(TestApi.USER_KEY);
    }

    @Test
    void theCallerRecordedIsTheKeysNeverWhatTheClientNamesInAHeaderOrParameter() {
        // Camel maps query and form parameters to headers: none of them may stand in for the caller.
        Reply put = api.send(api.request(params("forged") + "?X-Gateway-Caller=query-spoof", TestApi.USER_KEY)
                .header("Content-Type", "application/json").header("X-Gateway-Caller", "header-spoof")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"top_k\": 7}")));
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        // A form is refused as not JSON before anything is recorded.
        Reply form = api.send(api.request(params("forged") + "/reset", TestApi.USER_KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("X-Gateway-Caller=form-spoof")));
        assertThat(form.status()).as(form.body()).isEqualTo(415);
        Reply reset = api.send(api.request(params("forged") + "/reset?X-Gateway-Caller=query-spoof", TestApi.USER_KEY)
                .header("X-Gateway-Caller", "header-spoof").POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
        assertThat(reset.status()).as(reset.body()).isEqualTo(200);

        List<JsonNode> changes = changes("forged");
        assertThat(changes).isNotEmpty().allSatisfy(c -> assertThat(c.path("changed_by").asText())
                .isEqualTo(fingerprint(TestApi.USER_KEY)));
    }

    @Test
    void historyOfAnUntouchedModelIsEmpty() {
        Reply reply = api.get(params("fresh") + "/history", TestApi.USER_KEY);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("changes").isArray()).isTrue();
        assertThat(reply.json().path("changes")).isEmpty();
    }

    @Test
    void concurrentFirstUpdatesOfOneParameterAllSucceed() throws Exception {
        // Many callers setting a parameter the model has never stored: each must get 200, never a
        // 500 from two inserts of the same (model, parameter) row.
        int callers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                String body = "{\"top_k\": " + (10 + i) + ", \"num_beams\": " + (1 + i % 10) + ", \"do_sample\": false}";
                replies.add(pool.submit(() -> {
                    go.await();
                    return api.put(params("concurrent"), TestApi.USER_KEY, body);
                }));
            }
            go.countDown();
            for (Future<Reply> reply : replies) {
                Reply r = reply.get(60, TimeUnit.SECONDS);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        // One of the values won, and the history is one chain: each change starts from the value the
        // change before it left (concurrent updates read the same "before" and the chain broke).
        JsonNode stored = api.get(params("concurrent"), TestApi.USER_KEY).json().path("parameters");
        assertThat(stored.path("top_k").intValue()).isBetween(10, 10 + callers - 1);
        List<JsonNode> topK = changes("concurrent").stream()
                .filter(c -> c.path("parameter").asText().equals("top_k")).toList();
        assertThat(topK).hasSize(callers);
        assertThat(topK.get(0).path("new_value").intValue()).isEqualTo(stored.path("top_k").intValue());
        assertThat(topK.get(callers - 1).path("old_value").isNull()).isTrue();
        for (int i = 0; i + 1 < topK.size(); i++) {
            assertThat(topK.get(i).path("old_value")).as("change %d", i).isEqualTo(topK.get(i + 1).path("new_value"));
        }
    }

    /** Stored, beam search with sampling would fail every chat that does not override it: refused at once. */
    @Test
    void anUpdateThatWouldStoreBeamSamplingIsRefused() {
        Reply both = api.put(params("beams"), TestApi.USER_KEY, "{\"num_beams\": 3, \"do_sample\": true}");
        assertBadRequest(both, "num_beams");
        assertThat(both.json().path("message").asText()).contains("do_sample to false in the same request");
        // do_sample is true by default: beams alone clash with it too.
        assertBadRequest(api.put(params("beams"), TestApi.USER_KEY, "{\"num_beams\": 3}"), "num_beams");
        assertIsDefaults(api.get(params("beams"), TestApi.USER_KEY).json().path("parameters"));

        assertThat(api.put(params("beams"), TestApi.USER_KEY, "{\"num_beams\": 3, \"do_sample\": false}").status())
                .isEqualTo(200);
        assertBadRequest(api.put(params("beams"), TestApi.USER_KEY, "{\"do_sample\": true}"), "num_beams");
    }

    // ---- unknown and invalid model ids ----

    @Test
    void unknownModelAnswers404OnEveryOperation() {
        assertError(api.get("/api/v1/models/" + MISSING + "/parameters", TestApi.USER_KEY), 404);
        assertError(api.put("/api/v1/models/" + MISSING + "/parameters", TestApi.USER_KEY, "{\"top_k\": 40}"), 404);
        assertError(api.post("/api/v1/models/" + MISSING + "/parameters/reset", TestApi.USER_KEY, null), 404);
        assertError(api.get("/api/v1/models/" + MISSING + "/parameters/history", TestApi.USER_KEY), 404);
        // Nothing was stored for it on the way.
        assertThat(parameterService.history(new ModelId(ORG, "not-on-disk")).changes()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a%2F..%2Fb", "..", "a%2Fb%2Fc", "%2Fetc%2Fpasswd", "a%2F.hidden", "%2E%2E"})
    void invalidModelIdIsRefusedSafely(String segment) {
        String base = "/api/v1/models/" + segment + "/parameters";
        for (Reply reply : List.of(
                api.get(base, TestApi.USER_KEY),
                api.put(base, TestApi.USER_KEY, "{\"top_k\": 40}"),
                api.post(base + "/reset", TestApi.USER_KEY, null),
                api.get(base + "/history", TestApi.USER_KEY))) {
            // Refused before any lookup: the API key filter answers 400 for dot segments ("..", "%2E%2E"),
            // ModelId.parse for every other shape. Never 200 (a path escape) nor 500 (a crash).
            assertThat(reply.status()).as(segment + ": " + reply.body()).isEqualTo(400);
            assertThat(reply.json().path("status").asText()).isEqualTo("error");
            assertThat(reply.json().path("message").asText()).isNotBlank();
        }
    }

    @Test
    void idWithDotDotIsRefusedAs400NamingTheModelId() {
        Reply reply = api.get("/api/v1/models/a%2F..%2Fb/parameters", TestApi.USER_KEY);

        assertBadRequest(reply, "model_id");
    }

    // ---- the chat merge ----

    @Test
    void chatParametersAreDefaultsThenStoredThenRequest() {
        put("merge", "{\"temperature\": 0.3, \"top_k\": 20, \"max_length\": 128}");
        GenerationSettings request = new GenerationSettings(null, 5, null, null, null, false, null, null, true, 7);

        GenerationSettings used = parameterService.forChat(new ModelId(ORG, "merge"), request, 384);

        assertThat(used.temperature()).as("stored").isEqualTo(0.3);
        assertThat(used.topK()).as("request beats stored").isEqualTo(5);
        assertThat(used.topP()).as("default").isEqualTo(0.9);
        assertThat(used.maxLength()).as("stored").isEqualTo(128);
        assertThat(used.repetitionPenalty()).as("default").isEqualTo(1.1);
        assertThat(used.doSample()).as("request beats default").isFalse();
        assertThat(used.numBeams()).as("default").isEqualTo(1);
        assertThat(used.lengthPenalty()).as("default").isEqualTo(1.0);
        assertThat(used.earlyStopping()).as("request beats default").isTrue();
        assertThat(used.seed()).as("request, no default").isEqualTo(7);

        // Without request parameters, the stored ones apply as they are.
        assertThat(parameterService.forChat(new ModelId(ORG, "merge"), GenerationSettings.NONE, 384))
                .isEqualTo(new GenerationSettings(0.3, 20, 0.9, 128, 1.1, true, 1, 1.0, false, null));
    }

    // ---- token ids ----

    @Test
    void eosAndPadIdsAreStoredAsGivenAndListedInTheHistory() {
        Reply list = api.put(params("tokens"), TestApi.USER_KEY, "{\"eos_token_id\": [2, 0], \"pad_token_id\": 0}");
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        assertThat(list.json().at("/updated_parameters/eos_token_id").toString()).isEqualTo("[2,0]");

        JsonNode read = api.get(params("tokens"), TestApi.USER_KEY).json();
        assertThat(read.at("/parameters/eos_token_id").toString()).isEqualTo("[2,0]");
        assertThat(read.at("/parameters/pad_token_id").isIntegralNumber()).isTrue();
        assertThat(read.at("/parameters/pad_token_id").asInt()).isZero();
        assertThat(read.at("/sources/eos_token_id").asText()).isEqualTo("stored");
        assertThat(read.at("/sources/temperature").asText()).isEqualTo("default");

        // A single id stays a number, not a one-element list.
        put("tokens", "{\"eos_token_id\": 7}");
        assertThat(api.get(params("tokens"), TestApi.USER_KEY).json().at("/parameters/eos_token_id").toString())
                .isEqualTo("7");
        JsonNode change = changes("tokens").get(0);
        assertThat(change.path("parameter").asText()).isEqualTo("eos_token_id");
        assertThat(change.get("old_value").toString()).isEqualTo("[2,0]");
        assertThat(change.get("new_value").toString()).isEqualTo("7");

        // The longest list accepted, with ids up to the largest int, fits the store.
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            ids.append(i == 0 ? "" : ", ").append(Integer.MAX_VALUE - i);
        }
        put("tokens", "{\"eos_token_id\": [" + ids + "]}");
        assertThat(api.get(params("tokens"), TestApi.USER_KEY).json().at("/parameters/eos_token_id").size())
                .isEqualTo(32);
    }

    @Test
    void chatTokenIdsMustLieBelowTheVocabulary() {
        ModelId model = new ModelId(ORG, "vocabulary");
        GenerationSettings eos = new GenerationSettings(null, null, null, null, null, null, null, null, null, null,
                TokenIds.of(List.of(2, 384)), null);
        assertThatThrownBy(() -> parameterService.forChat(model, eos, 384)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.details()).singleElement().satisfies(d -> {
                    assertThat(d.field()).isEqualTo("parameters.eos_token_id");
                    assertThat(d.problem()).contains("384");
                }));
        GenerationSettings pad = new GenerationSettings(null, null, null, null, null, null, null, null, null, null,
                TokenIds.of(383), 383);
        assertThat(parameterService.forChat(model, pad, 384).padTokenId()).isEqualTo(383);

        // A stored id beyond the vocabulary is refused too, and says it was stored.
        put("vocabulary", "{\"pad_token_id\": 500}");
        assertThatThrownBy(() -> parameterService.forChat(model, GenerationSettings.NONE, 384))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.details()).singleElement().satisfies(d -> {
                    assertThat(d.field()).isEqualTo("parameters.pad_token_id");
                    assertThat(d.problem()).contains("stored");
                }));
        // ... unless the request replaces it.
        assertThat(parameterService.forChat(model, pad, 384).padTokenId()).isEqualTo(383);
    }

    // ---- generation_config.json ----

    @Test
    void generationConfigValuesSitBetweenTheDefaultsAndTheStoredValues() throws Exception {
        Path snapshot = modelsDir().resolve("models--" + ORG + "--genconfig/snapshots/abc123");
        // Values the gateway applies, and some it cannot: top_k 0 (out of bounds), early_stopping "never"
        // (not a boolean) and max_length (counts the prompt; max_new_tokens is read instead).
        Files.writeString(snapshot.resolve("generation_config.json"), """
                {"bos_token_id": 1, "eos_token_id": [5, 6], "pad_token_id": 3, "do_sample": false,
                 "temperature": 0.3, "top_p": 0.5, "top_k": 0, "early_stopping": "never", "max_length": 4096,
                 "max_new_tokens": 64, "repetition_penalty": 1.25, "transformers_version": "4.46.0"}""");

        JsonNode read = api.get(params("genconfig"), TestApi.USER_KEY).json();
        assertThat(read.at("/parameters/eos_token_id").toString()).isEqualTo("[5,6]");
        Map<String, Object> fromFile = Map.of("do_sample", false, "temperature", 0.3, "top_p", 0.5,
                "max_length", 64, "repetition_penalty", 1.25);
        fromFile.forEach((field, value) -> {
            assertJsonValue(read.at("/parameters/" + field), value, field);
            assertThat(read.at("/sources/" + field).asText()).as(field).isEqualTo("generation_config");
        });
        assertThat(read.at("/parameters/pad_token_id").asInt()).isEqualTo(3);
        assertThat(read.at("/sources/pad_token_id").asText()).isEqualTo("generation_config");
        for (String field : List.of("top_k", "early_stopping", "num_beams", "length_penalty")) {
            assertJsonValue(read.at("/parameters/" + field), SPEC_DEFAULTS.get(field), field);
            assertThat(read.at("/sources/" + field).asText()).as(field).isEqualTo("default");
        }
        assertThat(read.at("/sources").has("seed")).isFalse();

        // Stored beats the file; a reset goes back to the file, not to the gateway's defaults.
        put("genconfig", "{\"temperature\": 1.2, \"pad_token_id\": 0}");
        JsonNode stored = api.get(params("genconfig"), TestApi.USER_KEY).json();
        assertThat(stored.at("/parameters/temperature").asDouble()).isEqualTo(1.2);
        assertThat(stored.at("/sources/temperature").asText()).isEqualTo("stored");
        assertThat(stored.at("/parameters/pad_token_id").asInt()).isZero();
        assertThat(stored.at("/parameters/top_p").asDouble()).isEqualTo(0.5);
        JsonNode reset = api.post(params("genconfig") + "/reset", TestApi.USER_KEY, null).json();
        assertThat(reset.at("/parameters/temperature").asDouble()).isEqualTo(0.3);
        assertThat(reset.at("/parameters/pad_token_id").asInt()).isEqualTo(3);

        // The request beats all of them.
        GenerationSettings used = parameterService.forChat(new ModelId(ORG, "genconfig"),
                new GenerationSettings(null, null, 0.8, null, null, null, null, null, null, null), 384);
        assertThat(used.topP()).isEqualTo(0.8);
        assertThat(used.doSample()).isFalse();
        assertThat(used.eosTokenId()).isEqualTo(TokenIds.of(List.of(5, 6)));

        // A changed file is read again; a broken one counts as absent.
        Files.writeString(snapshot.resolve("generation_config.json"), "{\"temperature\": 0.45}");
        assertThat(api.get(params("genconfig"), TestApi.USER_KEY).json().at("/parameters/temperature").asDouble())
                .isEqualTo(0.45);
        Files.writeString(snapshot.resolve("generation_config.json"), "{\"temperature\": ");
        Reply broken = api.get(params("genconfig"), TestApi.USER_KEY);
        assertThat(broken.status()).as(broken.body()).isEqualTo(200);
        assertIsDefaults(broken.json().path("parameters"));
    }

    // ---- helpers ----

    private static String params(String name) {
        return "/api/v1/models/" + ORG + "%2F" + name + "/parameters";
    }

    private void put(String model, String body) {
        Reply reply = api.put(params(model), TestApi.USER_KEY, body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    private List<JsonNode> changes(String model) {
        Reply reply = api.get(params(model) + "/history", TestApi.USER_KEY);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<JsonNode> changes = new ArrayList<>();
        reply.json().path("changes").forEach(changes::add);
        return changes;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void assertIsDefaults(JsonNode parameters) {
        assertIsDefaultsExcept(parameters, Map.of());
    }

    /** All nine parameters present, with JSON types and values: the defaults, except {@code changed}. */
    private static void assertIsDefaultsExcept(JsonNode parameters, Map<String, Object> changed) {
        assertThat(fieldNames(parameters)).containsExactlyInAnyOrderElementsOf(SPEC_DEFAULTS.keySet());
        SPEC_DEFAULTS.forEach((field, def) -> assertJsonValue(parameters.get(field), changed.getOrDefault(field, def), field));
    }

    private static void assertChange(JsonNode change, String parameter, Object oldValue, Object newValue) {
        assertThat(change.path("parameter").asText()).isEqualTo(parameter);
        assertThat(change.has("old_value")).as("old_value present: " + change).isTrue();
        assertThat(change.has("new_value")).as("new_value present: " + change).isTrue();
        assertJsonValue(change.get("old_value"), oldValue, parameter + ".old_value");
        assertJsonValue(change.get("new_value"), newValue, parameter + ".new_value");
    }

    /** Compares value and JSON type: integers as integral numbers, decimals as numbers, booleans as booleans. */
    private static void assertJsonValue(JsonNode node, Object expected, String what) {
        assertThat(node).as(what).isNotNull();
        if (expected == null) {
            assertThat(node.isNull()).as(what + " is null: " + node).isTrue();
        } else if (expected instanceof Boolean b) {
            assertThat(node.isBoolean()).as(what + " is a boolean: " + node).isTrue();
            assertThat(node.booleanValue()).as(what).isEqualTo(b);
        } else if (expected instanceof Integer i) {
            assertThat(node.isIntegralNumber()).as(what + " is an integer: " + node).isTrue();
            assertThat(node.intValue()).as(what).isEqualTo(i);
        } else {
            assertThat(node.isNumber()).as(what + " is a number: " + node).isTrue();
            assertThat(node.doubleValue()).as(what).isEqualTo((Double) expected);
        }
    }

    private static void assertError(Reply reply, int status) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.json().path("status").asText()).isEqualTo("error");
        assertThat(reply.json().path("message").asText()).isNotBlank();
    }

    private static void assertBadRequest(Reply reply, String field) {
        assertError(reply, 400);
        assertThat(reply.json().path("details").path(0).path("field").asText()).as(reply.body()).isEqualTo(field);
        assertThat(reply.json().path("message").asText()).contains(field);
    }

    /** How the gateway names a key: SHA-256, first six bytes in hex. Recomputed here, not borrowed. */
    private static String fingerprint(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "key:" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
