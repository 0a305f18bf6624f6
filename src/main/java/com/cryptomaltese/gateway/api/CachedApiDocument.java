package com.cryptomaltese.gateway.api;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.openapi.OpenApiRestApiProcessorFactory;
import org.apache.camel.spi.RestApiProcessorFactory;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.stereotype.Component;

/**
 * The OpenAPI document ({@code /api/v1/openapi.json}), made once and then served as made. Camel's
 * processor renders it from the REST DSL on every request when forwarded headers are honoured
 * (0.3-0.6 s of CPU here), and the document needs no key: a few clients asking for it in a loop
 * would keep both cores busy. Camel uses this factory because it is the only one in the registry.
 * <p>
 * The document is rendered from nothing of the request but its path, which fixes the format (JSON):
 * its server URL is always the relative {@code /api/v1}, whoever asked first and how.
 */
@Component
class CachedApiDocument implements RestApiProcessorFactory {

    private final RestApiProcessorFactory camels;
    private final AtomicInteger renders = new AtomicInteger();

    CachedApiDocument() {
        this(new OpenApiRestApiProcessorFactory());
    }

    /** Caching what {@code camels}' processors render. */
    CachedApiDocument(RestApiProcessorFactory camels) {
        this.camels = camels;
    }

    @Override
    public Processor createApiProcessor(CamelContext camelContext, String contextPath, RestConfiguration configuration,
                                        Map<String, Object> parameters) throws Exception {
        return new Once(camels.createApiProcessor(camelContext, contextPath, configuration, parameters), renders);
    }

    /** How often Camel's processor rendered the document. */
    int renders() {
        return renders.get();
    }

    /** What Camel's processor wrote: the body and the headers it set. */
    private record Rendered(Object body, Map<String, Object> headers) {

        /**
         * Replaces the request's headers, as {@link ApiReply} does: Camel makes query parameters
         * headers and writes headers back into the response, so {@code ?Set-Cookie=…} or
         * {@code ?Refresh=0;url=…} would otherwise come back as response headers.
         */
        void writeTo(Message message) {
            message.removeHeaders("*");
            message.getHeaders().putAll(headers);
            message.setBody(body);
        }
    }

    /**
     * Renders with Camel's processor on the first request (one at a time), then replays that answer.
     * The rendering sees a fresh exchange with nothing of the request but its path: Camel builds the
     * server URL from Host and X-Forwarded-* headers, and query parameters arrive as headers too, so
     * one request could otherwise fix a host of its choosing into every later caller's document.
     */
    private static final class Once extends ServiceSupport implements Processor {

        private final Processor render;
        private final AtomicInteger renders;
        private volatile Rendered rendered;

        Once(Processor render, AtomicInteger renders) {
            this.render = render;
            this.renders = renders;
        }

        @Override
        public void process(Exchange exchange) throws Exception {
            Rendered answer = rendered;
            if (answer == null) {
                answer = renderOnce(exchange);
            }
            if (answer != null) {
                answer.writeTo(exchange.getMessage());
            }
        }

        private synchronized Rendered renderOnce(Exchange exchange) throws Exception {
            if (rendered != null) {
                return rendered;
            }
            Exchange clean = new DefaultExchange(exchange.getContext());
            clean.getMessage().setHeader(Exchange.HTTP_PATH, exchange.getMessage().getHeader(Exchange.HTTP_PATH));
            render.process(clean);
            renders.incrementAndGet();
            if (clean.getException() != null) {
                exchange.setException(clean.getException());
                return null;
            }
            Map<String, Object> headers = new HashMap<>(clean.getMessage().getHeaders());
            headers.remove(Exchange.HTTP_PATH);
            Object body = clean.getMessage().getBody();
            if (body != null && headers.get(Exchange.HTTP_RESPONSE_CODE) == null
                    && String.valueOf(headers.get(Exchange.CONTENT_TYPE)).startsWith("application/json")) {
                body = ApiDocumentFixes.apply(clean.getMessage().getBody(String.class));
            }
            Rendered answer = new Rendered(body, Map.copyOf(headers));
            // Only a complete document is kept; anything else is answered once and tried again next time.
            if (answer.body() != null && headers.get(Exchange.HTTP_RESPONSE_CODE) == null) {
                rendered = answer;
            }
            return answer;
        }

        @Override
        protected void doInit() throws Exception {
            ServiceHelper.initService(render);
        }

        @Override
        protected void doStart() throws Exception {
            ServiceHelper.startService(render);
        }

        @Override
        protected void doStop() throws Exception {
            ServiceHelper.stopService(render);
        }
    }
}
