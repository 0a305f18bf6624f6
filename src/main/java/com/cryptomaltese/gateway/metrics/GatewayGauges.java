package com.cryptomaltese.gateway.metrics;

import com.cryptomaltese.gateway.api.ChatAdmission;
import com.cryptomaltese.gateway.model.ModelService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/** The gateway's state as gauges, read at each scrape: the model in memory and the API's chats. */
@Component
class GatewayGauges {

    GatewayGauges(MeterRegistry registry, ModelService models, ChatAdmission admission) {
        Gauge.builder("maltese.model.loaded", models, m -> m.current().isPresent() ? 1 : 0)
                .description("1 while a model is loaded").register(registry);
        Gauge.builder("maltese.model.memory", models, m -> m.current().map(l -> l.model().memoryBytes()).orElse(0L))
                .description("Bytes of the loaded model's weights").baseUnit("bytes").register(registry);
        Gauge.builder("maltese.chats.admitted", admission, ChatAdmission::admitted)
                .description("API chats being answered or waiting for the model").register(registry);
        Gauge.builder("maltese.chats.limit", admission, ChatAdmission::limit)
                .description("API chats that may be answered or waiting at once (gateway.chat.max-queued)")
                .register(registry);
    }
}
