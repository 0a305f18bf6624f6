package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import com.cryptomaltese.gateway.model.ModelId;
import org.junit.jupiter.api.Test;

class TransferRateTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void theSpeedIsThatOfTheLastSecondsSoAStallShowsAtOnce() {
        TransferRate rate = new TransferRate(0);
        // Ten seconds at 10 MB/s, then five at 100 KB/s.
        long bytes = 0;
        for (int s = 1; s <= 10; s++) {
            bytes += 10_000_000;
            rate.sample(s * SECOND, bytes);
        }
        assertThat(rate.perSecond(10 * SECOND, bytes)).isEqualTo(10_000_000);
        for (int s = 11; s <= 15; s++) {
            bytes += 100_000;
            rate.sample(s * SECOND, bytes);
        }
        // Since the start it would be 6.7 MB/s; over the window it is the stall's speed.
        assertThat(rate.perSecond(15 * SECOND, bytes)).isEqualTo(100_000);
    }

    @Test
    void beforeTheFirstSampleTheSpeedIsSinceTheStart() {
        TransferRate rate = new TransferRate(5 * SECOND);
        assertThat(rate.perSecond(5 * SECOND, 0)).isZero();
        assertThat(rate.perSecond(5 * SECOND + SECOND / 2, 1_000_000)).isEqualTo(2_000_000);
    }

    @Test
    void aFinishedDownloadShowsItsAverageWhicheverTimeItIsAskedAt() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        Download job = new Download(ModelId.parse("org/name", "model_name"), "main", null, null, null, start);
        job.received.set(4_000_000);
        job.finishedAt = start.plusSeconds(2);
        job.state = Download.State.COMPLETED;
        assertThat(job.progress().speedBytesPerSecond()).isEqualTo(2_000_000);
        assertThat(job.progress().estimatedTime()).isZero();
    }
}
