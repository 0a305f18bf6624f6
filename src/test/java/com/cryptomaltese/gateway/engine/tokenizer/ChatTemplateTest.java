package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cryptomaltese.gateway.engine.ChatMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Behaviour around rendering that the golden fixtures do not show: errors, injection, defaults. */
class ChatTemplateTest {

    private static final List<ChatMessage> HELLO = List.of(ChatMessage.user("Hello"));

    @Test
    void raiseExceptionIsTheCallersFault() {
        ChatTemplate t = ChatTemplate.of("{{ raise_exception('Roles must alternate') }}", Map.of());
        assertThatThrownBy(() -> t.render(HELLO, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("Roles must alternate")
                .matches(e -> ((ChatTemplateException) e).raisedByTemplate());
    }

    @Test
    void anUnsupportedExpressionFailsInsteadOfRenderingAWrongPrompt() {
        ChatTemplate t = ChatTemplate.of("{{ messages[0].content.casefold() }}", Map.of());
        assertThatThrownBy(() -> t.render(HELLO, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("casefold")
                .matches(e -> !((ChatTemplateException) e).raisedByTemplate());
    }

    @Test
    void templateSyntaxInMessageContentIsPrintedNotExecuted() {
        ChatTemplate t = ChatTemplate.of("{{ messages[0].content }}", Map.of());
        String hostile = "{{ raise_exception('x') }}{% for i in range(3) %}{{ i }}{% endfor %}{# c #}";
        assertThat(t.render(List.of(ChatMessage.user(hostile)), true)).isEqualTo(hostile);
    }

    @Test
    void anEmptyConversationIsRejected() {
        ChatTemplate t = ChatTemplate.of("{{ bos_token }}", Map.of("bos_token", "<s>"));
        assertThatThrownBy(() -> t.render(List.of(), true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void strftimeNowIsDefinedAndReadsTheClockByDefault() {
        ChatTemplate t = ChatTemplate.of("{% if strftime_now is defined %}{{ strftime_now('%Y') }}{% endif %}", Map.of());
        assertThat(t.render(HELLO, true)).isEqualTo(Integer.toString(java.time.Year.now().getValue()));
    }

    @Test
    void unknownVariablesRenderEmptyAsJinjasDefaultUndefinedDoes() {
        ChatTemplate t = ChatTemplate.of("[{{ pad_token }}]{% if tools %}tools{% endif %}", Map.of());
        assertThat(t.render(HELLO, false)).isEqualTo("[]");
    }

    @Test
    void aTemplateThatRendersTooLongIsStoppedAndTheThreadGoesOn() {
        ChatTemplate loops = ChatTemplate.of("{% for i in range(1000) %}{% for j in range(1000) %}"
                + "{% for k in range(1000) %}{% endfor %}{% endfor %}{% endfor %}x", Map.of());
        assertThatThrownBy(() -> loops.render(HELLO, true, Duration.ofMillis(300)))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("the chat template took longer than 300 ms to render");
        // The stop was ours: it does not leak into what the thread does next.
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(ChatTemplate.of("{{ messages[0].content }}", Map.of()).render(HELLO, true)).isEqualTo("Hello");
    }

    @Test
    void aTemplateWhoseOutputOrStringsGrowPastTheLimitIsRefused() {
        ChatTemplate doubling = ChatTemplate.of("{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
                + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}", Map.of());
        assertThatThrownBy(() -> doubling.render(HELLO, true)).isInstanceOf(ChatTemplateException.class);
        ChatTemplate printing = ChatTemplate.of("{% for i in range(1000) %}{% for j in range(1000) %}0123456789"
                + "{% endfor %}{% endfor %}", Map.of());
        assertThatThrownBy(() -> printing.render(HELLO, true)).isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("output rendered, over limit of " + ChatTemplate.MAX_OUTPUT_CHARS + " bytes");
    }
}
