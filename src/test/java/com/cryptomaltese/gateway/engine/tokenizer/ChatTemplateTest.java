package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cryptomaltese.gateway.engine.ChatMessage;
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
}
