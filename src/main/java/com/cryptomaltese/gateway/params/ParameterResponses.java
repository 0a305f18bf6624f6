package com.cryptomaltese.gateway.params;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

/** Wire shapes of the parameter operations. */
public final class ParameterResponses {

    private ParameterResponses() {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(description = "A model's effective generation parameters")
    public record ModelParameters(
            String modelId,
            GenerationSettings parameters,
            @Schema(description = "Where each value of parameters comes from: default (the gateway's), "
                    + "generation_config (the model's generation_config.json) or stored (set through this API)",
                    example = "{\"temperature\": \"generation_config\", \"top_k\": \"stored\"}")
            Map<String, String> sources,
            @Schema(description = "When the parameters last changed (ISO-8601 UTC); null if never", nullable = true)
            Instant lastUpdated) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Result of a parameter update")
    public record ParametersUpdated(
            @Schema(example = "success") String status,
            String modelId,
            @Schema(description = "The fields this request changed, with their new values (a field sent with the value "
                    + "already stored is not named)")
            GenerationSettings updatedParameters,
            @Schema(description = "All effective parameters after the update")
            GenerationSettings parameters,
            Instant lastUpdated) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Result of a parameter reset: every parameter back to its default (the model's "
            + "generation_config.json, else the gateway's)")
    public record ParametersReset(
            @Schema(example = "success") String status,
            String modelId,
            GenerationSettings parameters,
            @Schema(nullable = true) Instant lastUpdated) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Changes to a model's parameters, newest first")
    public record ParameterHistory(String modelId, List<ParameterChange> changes) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ParameterChange(
            Instant changedAt,
            @Schema(description = "Fingerprint of the key that made the change (never the key)") String changedBy,
            String parameter,
            // A number covers the integers: listing both, every integer would match two alternatives.
            @Schema(description = "Value before; null when it was the default", nullable = true,
                    oneOf = {Double.class, Boolean.class, Integer[].class}) Object oldValue,
            @Schema(description = "Value after; null when reset to the default", nullable = true,
                    oneOf = {Double.class, Boolean.class, Integer[].class}) Object newValue) {
    }
}
