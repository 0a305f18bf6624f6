package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.FolderNotFoundException;
import jakarta.mail.MessagingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class MailPollErrorsTest {

    /** A poll failing as a whole is one warning line naming the failure and its cause, no stack trace. */
    @Test
    void aFailedPollIsOneLine(CapturedOutput output) {
        MessagingException failure = new MessagingException("cannot open the folder",
                new FolderNotFoundException(null, "Archive2 not found"));
        new MailPollErrors().handleException("Failed polling endpoint: imap://x", failure);
        assertThat(output.getAll()).contains("Mail poll failed, trying again at the next poll: MessagingException: "
                + "cannot open the folder (FolderNotFoundException: Archive2 not found)").doesNotContain("\tat ");
    }
}
