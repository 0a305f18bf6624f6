package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The figures system-status and the unload report read, on the Linux (glibc) the gateway ships on. */
class ProcessMemoryTest {

    @Test
    void residentMemoryIsReadAndItsPeakIsNoLower() {
        long resident = ProcessMemory.residentBytes();
        assertThat(resident).isPositive();
        assertThat(ProcessMemory.peakResidentBytes()).isGreaterThanOrEqualTo(resident);
    }

    @Test
    void freedNativeMemoryCanBeHandedBackToTheSystem() {
        // glibc's malloc_trim is there (Debian, the Docker image); without it an unload would keep a model's size.
        assertThat(ProcessMemory.releaseFreedMemory()).isTrue();
    }
}
