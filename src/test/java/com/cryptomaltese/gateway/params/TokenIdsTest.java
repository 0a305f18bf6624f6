package com.cryptomaltese.gateway.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.api.ApiJson;
import org.junit.jupiter.api.Test;

/** eos_token_id's two shapes on the wire and in storage. */
class TokenIdsTest {

    private final ApiJson json = new ApiJson();

    @Test
    void aNumberAndAListKeepTheirShape() {
        GenerationSettings one = json.read("{\"eos_token_id\": 7}".getBytes(), GenerationSettings.class);
        GenerationSettings many = json.read("{\"eos_token_id\": [7, 0]}".getBytes(), GenerationSettings.class);
        GenerationSettings single = json.read("{\"eos_token_id\": [7]}".getBytes(), GenerationSettings.class);

        assertThat(one.eosTokenId()).isEqualTo(TokenIds.of(7));
        assertThat(many.eosTokenId()).isEqualTo(TokenIds.of(List.of(7, 0)));
        assertThat(new String(json.write(one))).isEqualTo("{\"eos_token_id\":7}");
        assertThat(new String(json.write(many))).isEqualTo("{\"eos_token_id\":[7,0]}");
        assertThat(new String(json.write(single))).isEqualTo("{\"eos_token_id\":[7]}");
        assertThat(Parameter.defaults().overlay(many).toGenerationParams().eosTokenIds()).containsExactly(7, 0);
    }

    @Test
    void storedTextReadsBackAsWritten() {
        for (TokenIds ids : List.of(TokenIds.of(0), TokenIds.of(List.of(5)), TokenIds.of(List.of(128001, 128008, 128009)))) {
            assertThat(TokenIds.parse(ids.toString())).isEqualTo(ids);
        }
        assertThat(TokenIds.of(List.of(2, 0)).toString()).isEqualTo("[2,0]");
    }

    @Test
    void otherShapesAreRefusedNamingTheField() {
        for (String body : List.of("{\"eos_token_id\": []}", "{\"eos_token_id\": [1.5]}", "{\"eos_token_id\": true}",
                "{\"eos_token_id\": {\"a\": 1}}")) {
            assertThatThrownBy(() -> json.read(body.getBytes(), GenerationSettings.class))
                    .as(body).isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.details()).isNotEmpty();
                    });
        }
        assertThatThrownBy(() -> json.read("{\"eos_token_id\": [1, \"2\"]}".getBytes(), GenerationSettings.class))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.details().get(0).field()).isEqualTo("eos_token_id");
                    assertThat(e.details().get(0).problem()).contains("integer");
                });
    }
}
