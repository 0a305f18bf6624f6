package com.cryptomaltese.gateway;

import com.cryptomaltese.gateway.hub.HubClient;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class MalteseGatewayApplication {

    public static void main(String[] args) {
        // Before any HTTP client of the JVM exists (see the method).
        HubClient.useLargeReadBuffers();
        SpringApplication.run(MalteseGatewayApplication.class, args);
    }
}
