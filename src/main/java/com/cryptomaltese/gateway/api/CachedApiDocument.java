package com.cryptomaltese.gateway.api;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.openapi.OpenApiRestApiProcessorFactory;
import org.apache.camel.spi.RestApiProcessorFactory;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.stereotype.Component;

/**
 * The OpenAPI document ({@code /api/v1/openapi.json}), made once and then served as made. Camel's
 * processor renders it from the REST DSL on every request when forwarded headers are honoured
 * (0.3-0.6 s of CPU here), and the document needs no key: a few clients asking for it in a loop
 * would keep both cores busy. Camel uses this factory because it is the only one in the registry.
 * <p>
 * The document depends on nothing in the request: its path fixes the format (JSON), and the key
 * filter hides every forwarded header, so the server URL is always the relative {@code /api/v1}.
 */
@Component
class CachedApiDocument implements RestApiProcessorFactory {

    private final RestApiProcessorFactory camels = new OpenApiRestApiProcessorFactory();
    private final AtomicInteger renders = new AtomicInteger();

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

        static Rendered of(Message message, Map<String, Object> before) {
            Map<String, Object> set = new HashMap<>();
            message.getHeaders().forEach((name, value) -> {
                if (!Objects.equals(before.get(name), value)) {
                    set.put(name, value);
                }
            });
            return new Rendered(message.getBody(), Map.copyOf(set));
        }

        void writeTo(Message message) {
            message.getHeaders().putAll(headers);
            message.setBody(body);
        }
    }

    /** Renders with Camel's processor on the first request (one at a time), then replays that answer. */
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
            answer.writeTo(exchange.getMessage());
        }

        private synchronized Rendered renderOnce(Exchange exchange) throws Exception {
            if (rendered == null) {
                Map<String, Object> before = new HashMap<>(exchange.getMessage().getHeaders());
                render.process(exchange);
                renders.incrementAndGet();
                Rendered answer = Rendered.of(exchange.getMessage(), before);
                // Only a complete document is kept; a failed rendering is tried again by the next request.
                if (exchange.getException() == null && answer.body() != null
                        && answer.headers().get(Exchange.HTTP_RESPONSE_CODE) == null) {
                    rendered = answer;
                }
                return answer;
            }
            return rendered;
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
