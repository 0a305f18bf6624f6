package com.cryptomaltese.gateway.api;

import java.util.List;

/**
 * The one error shape of the API: {@code {"status":"error","message":...,"details":[...]}};
 * {@code details} is always there, empty when no field is at fault.
 */
public record ErrorBody(String status, String message, List<FieldProblem> details) {

    public static ErrorBody of(String message, List<FieldProblem> details) {
        return new ErrorBody("error", message, details == null ? List.of() : details);
    }
}
