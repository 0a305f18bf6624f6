package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.cryptomaltese.gateway.TestData;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** Without a bot token and mail servers, the channel routes are loaded from routes/ but never started: nothing polls. */
@CamelSpringBootTest
@SpringBootTest(properties = "gateway.data-dir=" + ChannelsOffTest.DATA)
class ChannelsOffTest {

    static final String DATA = "target/test-data/channels-off";

    static {
        TestData.freshDataDir(DATA);
    }

    @Autowired
    CamelContext camel;

    @Test
    void channelRoutesAreLoadedButStopped() {
        for (String id : new String[] {"telegram-updates", "mail-inbox"}) {
            assertThat(camel.getRoute(id)).as(id).isNotNull();
            assertThat(camel.getRouteController().getRouteStatus(id)).as(id).isEqualTo(ServiceStatus.Stopped);
        }
    }
}
