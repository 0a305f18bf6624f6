package com.cryptomaltese.gateway.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The one error shape of the API: {@code {"status":"error","message":...,"details":[...]}}. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ErrorBody(String status, String message, List<FieldProblem> details) {

    public static ErrorBody of(String message, List<FieldProblem> details) {
        return new ErrorBody("error", message, details);
    }
}
