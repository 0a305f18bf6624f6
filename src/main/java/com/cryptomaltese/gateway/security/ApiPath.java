package com.cryptomaltese.gateway.security;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.util.UriUtils;

/**
 * Which key a request path needs. Decided on the path segments as request routing matches them:
 * without their path parameters ({@code /api;x/v1/admin;y/cleanup} reaches the cleanup route: the
 * servlet container drops {@code ;…} from every segment before mapping) and decoded
 * ({@code /api/v1/%61dmin/cleanup} too). An encoded {@code %3B} is a character of its segment, for
 * routing as here.
 */
record ApiPath(Access access) {

    enum Access { NONE, PUBLIC, USER, ADMIN, INVALID }

    static ApiPath of(HttpServletRequest request) {
        List<String> segments = new ArrayList<>();
        for (String raw : request.getRequestURI().split("/")) {
            int parameters = raw.indexOf(';');
            String segment = parameters < 0 ? raw : raw.substring(0, parameters);
            if (!segment.isEmpty()) {
                segments.add(UriUtils.decode(segment, StandardCharsets.UTF_8));
            }
        }
        if (segments.size() < 2 || !segments.get(0).equals("api") || !segments.get(1).equals("v1")) {
            return new ApiPath(Access.NONE);
        }
        if (segments.stream().anyMatch(s -> s.equals("..") || s.equals("."))) {
            return new ApiPath(Access.INVALID);
        }
        List<String> rest = segments.subList(2, segments.size());
        if (rest.equals(List.of("health")) || rest.equals(List.of("openapi.json"))) {
            return new ApiPath(Access.PUBLIC);
        }
        if (!rest.isEmpty() && (rest.get(0).equals("admin") || rest.get(0).equals("users"))) {
            return new ApiPath(Access.ADMIN);
        }
        return new ApiPath(Access.USER);
    }
}
