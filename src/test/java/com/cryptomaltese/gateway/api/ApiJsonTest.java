package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import com.cryptomaltese.gateway.chat.ChatRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiJsonTest {

    private final ApiJson json = new ApiJson();

    private ChatRequest read(String body) {
        return json.read(body.getBytes(StandardCharsets.UTF_8), ChatRequest.class);
    }

    @Test
    void readsSnakeCaseFieldsAndNestedParameters() {
        ChatRequest request = read("""
                {"message": "hi", "model_id": "org/name", "parameters": {"top_k": 7, "do_sample": false, "temperature": 1}}""");
        assertThat(request.message()).isEqualTo("hi");
        assertThat(request.modelId()).isEqualTo("org/name");
        assertThat(request.parameters().topK()).isEqualTo(7);
        assertThat(request.parameters().doSample()).isFalse();
        assertThat(request.parameters().temperature()).isEqualTo(1.0);
    }

    /** Each bad body, and the field the 400 must name. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"message\": \"hi\", \"mesage\": \"x\"}                      | mesage",
            "{\"message\": \"hi\", \"parameters\": {\"topk\": 5}}         | parameters.topk",
            "{\"message\": \"hi\", \"parameters\": {\"top_k\": \"5\"}}    | parameters.top_k",
            "{\"message\": \"hi\", \"parameters\": {\"top_k\": 5.5}}      | parameters.top_k",
            "{\"message\": \"hi\", \"parameters\": {\"do_sample\": 1}}    | parameters.do_sample",
            "{\"message\": \"hi\", \"parameters\": {\"do_sample\": \"true\"}} | parameters.do_sample",
            "{\"message\": \"hi\", \"parameters\": {\"temperature\": \"0.5\"}} | parameters.temperature",
            "{\"message\": \"hi\", \"parameters\": {\"temperature\": \"NaN\"}} | parameters.temperature",
            "{\"message\": \"hi\", \"parameters\": {\"top_p\": \"Infinity\"}} | parameters.top_p",
            "{\"message\": \"hi\", \"parameters\": {\"length_penalty\": \"-Infinity\"}} | parameters.length_penalty",
            "{\"message\": \"hi\", \"parameters\": {\"temperature\": null}} | parameters.temperature",
            "{\"message\": 42}                                            | message",
            "{\"message\": true}                                          | message",
            "{\"message\": [\"a\"]}                                       | message",
            "{\"message\": null}                                          | message",
            "{\"message\": \"hi\", \"parameters\": [1]}                   | parameters",
            "{\"message\": \"hi\"} trailing                               | body",
            "{\"message\": \"a\", \"message\": \"b\"}                     | message",
            "{\"message\": \"hi\"                                         | body",
            "[1, 2]                                                       | body",
            "\"text\"                                                     | body",
            "null                                                         | body"})
    void refusesAndNamesTheField(String body, String field) {
        assertThatThrownBy(() -> read(body)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.details()).extracting(FieldProblem::field).containsExactly(field);
            assertThat(e.getMessage()).contains(field);
        });
    }

    /** What a client sent wrong, in the words that help it: the field twice, a second object, a number too big. */
    @Test
    void messagesSayWhatIsWrong() {
        assertThatThrownBy(() -> read("{\"message\": \"a\", \"parameters\": {\"temperature\": \"NaN\"}}"))
                .hasMessageContaining("parameters.temperature must be a number");
        assertThatThrownBy(() -> read("{\"message\": \"a\", \"message\": \"b\"}"))
                .hasMessageContaining("message appears twice in the body");
        assertThatThrownBy(() -> read("{\"message\": \"a\", \"parameters\": {\"max_length\": 2, \"max_length\": 3}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.details())
                        .extracting(FieldProblem::field).containsExactly("parameters.max_length"))
                .hasMessageContaining("parameters.max_length appears twice in the body");
        assertThatThrownBy(() -> read("{\"message\": \"a\", \"parameters\": {\"eos_token_id\": [1, {\"x\": 1, \"x\": 2}]}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.details())
                        .extracting(FieldProblem::field).containsExactly("parameters.eos_token_id[1].x"));
        assertThatThrownBy(() -> read("{\"message\": \"a\"}{\"message\": \"b\"}"))
                .hasMessageContaining("body has more after its JSON object");
        assertThatThrownBy(() -> read("{\"message\": \"a\", \"parameters\": {\"top_k\": 2147483648}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.details())
                        .extracting(FieldProblem::field).containsExactly("parameters.top_k"))
                .hasMessageContaining("out of range").hasMessageContaining("2147483648");
    }

    @Test
    void negativeZeroIsZero() {
        assertThat(Double.doubleToRawLongBits(read("{\"message\": \"hi\", \"parameters\": {\"temperature\": -0.0}}")
                .parameters().temperature())).isZero();
    }

    @Test
    void emptyBodyIsRefused() {
        assertThatThrownBy(() -> json.read(new byte[0], ChatRequest.class)).hasMessageContaining("body is required");
        assertThatThrownBy(() -> read("   ")).hasMessageContaining("body is required");
    }

    @Test
    void writesSnakeCaseAndIsoTimestampsInUtc() {
        String out = new String(json.write(new ModelViews.ModelLoaded("success", "m", "org/name", "djl",
                Instant.parse("2026-01-02T03:04:05.678Z"))), StandardCharsets.UTF_8);
        assertThat(out).isEqualTo("{\"status\":\"success\",\"message\":\"m\",\"model_id\":\"org/name\","
                + "\"engine\":\"djl\",\"loaded_at\":\"2026-01-02T03:04:05.678Z\"}");
    }
}
