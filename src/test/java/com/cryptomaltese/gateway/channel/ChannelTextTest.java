package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The channel helpers the YAML routes call: splitting, quote stripping, HTML, auto-replies, allowlists, rate limits. */
class ChannelTextTest {

    @Test
    void aTenThousandCharacterAnswerBecomesOrderedPartsWithinTelegramsLimit() {
        String paragraph = "The little dog ran across the green field to find the old farmer by the river. ".repeat(25);
        String answer = (paragraph.strip() + "\n\n").repeat(6).strip();
        assertThat(answer.length()).isGreaterThan(10_000);
        List<String> parts = ReplySplitter.split(answer, 4096);
        assertThat(parts).hasSizeGreaterThanOrEqualTo(3).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(4096));
        assertThat(String.join("\n\n", parts)).isEqualTo(answer);
    }

    @Test
    void splitsOnParagraphsThenSentencesThenWordsKeepingOrderAndLimit() {
        String paragraph = "First sentence here. Second one follows! A third? ".repeat(30).strip();
        String text = paragraph + "\n\n" + paragraph + "\n\n" + "x".repeat(50);
        List<String> parts = ReplySplitter.split(text, 1000);
        assertThat(parts).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(1000).isPositive());
        assertThat(String.join(" ", parts).replaceAll("\\s+", " "))
                .isEqualTo(text.replaceAll("\\s+", " "));
        // sentence boundaries: no part ends inside a sentence
        assertThat(parts).allSatisfy(p -> assertThat(p).matches("(?s).*([.!?]|x)$"));

        assertThat(ReplySplitter.split("short", 4096)).containsExactly("short");
        assertThat(ReplySplitter.split("  ", 4096)).isEmpty();
        assertThat(ReplySplitter.split("alpha beta gamma", 11)).containsExactly("alpha beta", "gamma");
        assertThat(ReplySplitter.split("abcdefghij", 4)).containsExactly("abcd", "efgh", "ij");
        // a surrogate pair is never cut in half
        assertThat(ReplySplitter.split("abc😀def", 4)).containsExactly("abc", "😀de", "f");
    }

    @Test
    void stripsQuotedHistoryAttributionAndSignature() {
        String mail = """
                Thanks, and what about tomorrow?

                On Mon, 3 Mar 2025 at 10:00, Maltese <bot@example.com> wrote:
                > It will be sunny.
                > -- 
                """;
        assertThat(QuotedText.strip(mail)).isEqualTo("Thanks, and what about tomorrow?");
        assertThat(QuotedText.strip("Hi\r\n> old\r\nnew line\r\n-- \r\nAlice\r\n")).isEqualTo("Hi\nnew line");
        assertThat(QuotedText.strip("Question\n-----Original Message-----\nFrom: x\n")).isEqualTo("Question");
        assertThat(QuotedText.strip("Q\n\nOn Mon, 3 Mar 2025 at 10:00, Alice\n<alice@example.com> wrote:\n> a"))
                .isEqualTo("Q");
        assertThat(QuotedText.strip("Q\nFrom: Bot <bot@example.com>\nSent: Monday\nTo: Alice\n\nold")).isEqualTo("Q");
    }

    /** A bottom-posted or inline reply: the sender's words come after the quote, and are what counts. */
    @Test
    void keepsWordsWrittenBelowOrBetweenQuotes() {
        String bottom = """
                On Mon, 3 Mar 2025 at 10:00, Maltese <bot@example.com> wrote:
                > there was a little girl named Lily.

                Once upon a time
                """;
        assertThat(QuotedText.strip(bottom)).isEqualTo("Once upon a time");
        String inline = "On Mon, 3 Mar 2025 at 10:00, Alice\n<alice@example.com> wrote:\n> first?\nYes.\n> second?\nNo.\n-- \nBob";
        assertThat(QuotedText.strip(inline)).isEqualTo("Yes.\nNo.");
        // A quote not marked with '>' (Yahoo, some plain-text parts): the attribution still ends the words.
        assertThat(QuotedText.strip("Thanks, and Spain?\n\nOn Monday, Bob <bob@example.com> wrote:\n\nWhat is the "
                + "capital of France?")).isEqualTo("Thanks, and Spain?");
    }

    @Test
    void convertsHtmlToText() {
        String html = "<html><head><style>p{color:red}</style></head><body><p>Hello&nbsp;<b>world</b> &amp; "
                + "friends</p><div>Line one<br>Line two</div><blockquote>quoted</blockquote><p>&#8364;5 &lt;3</p></body></html>";
        assertThat(HtmlText.toText(html)).isEqualTo("Hello world & friends\n\nLine one\nLine two\n\n€5 <3");
    }

    @Test
    void nestedQuotesUnclosedElementsAndLatin1EntitiesInHtml() {
        assertThat(HtmlText.toText("<p>Mine</p><blockquote>old1<blockquote>older</blockquote>old2 secret</blockquote>"
                + "<p>after</p>")).isEqualTo("Mine\n\nafter");
        assertThat(HtmlText.toText("Caf&eacute; &uuml;ber &copy; &Aring;&yuml; &frac12;")).isEqualTo("Café über © Åÿ ½");
        // A bare '<' is text, as a browser shows it: it opens a tag only before a letter, '/', '!' or '?'.
        assertThat(HtmlText.toText("<p>Is 5 < 6 and 7 > 3 true? a <b>bold</b> claim</p>"))
                .isEqualTo("Is 5 < 6 and 7 > 3 true? a bold claim");
        // Never closed: hides the rest, as a browser does.
        assertThat(HtmlText.toText("<p>Question</p><style>p{}<p>rest")).isEqualTo("Question");
        assertThat(HtmlText.toText("Question<!-- never closed <p>rest")).isEqualTo("Question");
        assertThat(HtmlText.toText("a < b and c<<d")).isEqualTo("a < b and c<<d");
        // Quoted attribute values may hold >; a quote elsewhere in a tag is a character.
        assertThat(HtmlText.toText("<p title=\"a>b\" class = 'x>y'>Hello</p><img alt=don't src=x.png>"
                + "<a href=\"?q=1>0\">there</a>")).isEqualTo("Hello\n\nthere");
        // A '<' inside a value ends the tag there (the price of one linear pass): its start stays as text.
        assertThat(HtmlText.toText("<p title=\"a<b\">Hello</p>")).isEqualTo("<p title=\"aHello");
        // No </head> (allowed): the body is still read; a blockquote left open hides nothing.
        assertThat(HtmlText.toText("<html><head><meta charset=\"utf-8\"><title>T</title><body><p>Hello there</p>"))
                .isEqualTo("Hello there");
        assertThat(HtmlText.toText("<blockquote>earlier</blockquote><blockquote>quote <p>My reply below</p>"))
                .isEqualTo("quote\n\nMy reply below");
        assertThat(HtmlText.toText("<p>a</p><blockquote>x<blockquote>y</blockquote>z<p>b</p>")).isEqualTo("a\n\nxz\n\nb");
    }

    /**
     * A sender's HTML must not hold the mail channel up: inputs that made the old patterns rescan the
     * rest of the text from every tag (34 s for 224 KB) convert in one pass. The bound is generous (a
     * guard against quadratic work, not a speed target): the old code missed it by far.
     */
    @Test
    void adversarialHtmlConvertsInLinearTime() {
        for (String unit : List.of("<style>", "<blockquote>", "<!--", "<", "<p ", "&amp", "<p a=\"", "<a b='<",
                "<p x=\"\">", "<a =", "=\"x<b x\"", "=\"x<p x\"", "=\"x<title x\"")) {
            String html = unit.repeat(250_000 / unit.length());
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> HtmlText.toText(html), unit);
        }
    }

    @Test
    void theSenderIsTheFirstMailboxOfTheFromLine() {
        assertThat(MailChannel.sender("Odd Sender <Odd..Sender@Users.test>")).isEqualTo("odd..sender@users.test");
        assertThat(MailChannel.sender("a@users.test, b@users.test")).isEqualTo("a@users.test");
        assertThat(MailChannel.sender("undisclosed-recipients:;")).isNull();
        assertThat(MailChannel.sender("nobody")).isNull();
        // A From line missing its '>' names no mailbox: read leniently it became "alice <alice@ex.com",
        // which recipient() then quoted into an address of its own making.
        assertThat(MailChannel.sender("Alice <alice@ex.com")).isNull();
        assertThat(MailChannel.sender(null)).isNull();
    }

    /** A long thread's References stays one header line under RFC 5322's 998 octets: its first id and the latest. */
    @Test
    void aLongReferencesListKeepsTheThreadsFirstAndLatestIds() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add("<message-" + i + "-" + "x".repeat(30) + "@users.test>");
        }
        List<String> kept = MailChannel.shortened(ids);
        assertThat(String.join(" ", kept).length()).isLessThanOrEqualTo(998 - "References: ".length());
        assertThat(kept.get(0)).isEqualTo(ids.get(0));
        assertThat(kept.get(kept.size() - 1)).isEqualTo(ids.get(39));
        assertThat(ids.subList(ids.size() - (kept.size() - 1), ids.size())).isEqualTo(kept.subList(1, kept.size()));
        assertThat(MailChannel.shortened(List.of("<a@b>", "<c@d>"))).containsExactly("<a@b>", "<c@d>");
    }

    @Test
    void aSendersAddressIsWrittenAsSmtpTakesItOrNotAtAll() {
        assertThat(MailChannel.recipient("alice@users.test")).isEqualTo("alice@users.test");
        assertThat(MailChannel.recipient("odd..sender@users.test")).isEqualTo("\"odd..sender\"@users.test");
        assertThat(MailChannel.recipient(".leading@users.test")).isEqualTo("\".leading\"@users.test");
        assertThat(MailChannel.recipient("no-domain@")).isNull();
        assertThat(MailChannel.recipient("\"half@users.test")).isNull();
        assertThat(MailChannel.recipient(null)).isNull();
    }

    @Test
    void recognisesAutoRepliesAndMachineSenders() {
        assertThat(AutoReplies.automatic(Map.of("Auto-Submitted", "auto-replied")::get)).contains("Auto-Submitted");
        assertThat(AutoReplies.automatic(Map.of("Auto-Submitted", "no")::get)).isNull();
        assertThat(AutoReplies.automatic(Map.of("Precedence", "bulk")::get)).isNotNull();
        assertThat(AutoReplies.automatic(Map.of("Precedence", "List")::get)).isNotNull();
        assertThat(AutoReplies.automatic(Map.of("Precedence", "junk")::get)).isNotNull();
        assertThat(AutoReplies.automatic(Map.of("X-Autoreply", "yes")::get)).isNotNull();
        assertThat(AutoReplies.automatic(Map.of("Return-Path", "<>")::get)).isEqualTo("Return-Path: <>");
        assertThat(AutoReplies.automatic(Map.of("Return-Path", "< >")::get)).isEqualTo("Return-Path: <>");
        assertThat(AutoReplies.automatic(Map.of("Return-Path", "<alice@example.com>")::get)).isNull();
        assertThat(AutoReplies.automatic(Map.of("Content-Type",
                "multipart/report; report-type=delivery-status; boundary=x")::get)).isEqualTo("Content-Type: multipart/report");
        assertThat(AutoReplies.automatic(Map.of("List-Id", "Talk <talk.lists.example.com>")::get)).startsWith("List-Id");
        assertThat(AutoReplies.automatic(Map.of("List-Unsubscribe", "<mailto:unsub@example.com>")::get)).isNotNull();
        assertThat(AutoReplies.automatic(Map.<String, String>of()::get)).isNull();
        assertThat(AutoReplies.machineSender("MAILER-DAEMON@example.com")).isTrue();
        assertThat(AutoReplies.machineSender("no-reply@example.com")).isTrue();
        assertThat(AutoReplies.machineSender("noreply+x@example.com")).isTrue();
        assertThat(AutoReplies.machineSender("postmaster@example.com")).isTrue();
        assertThat(AutoReplies.machineSender("alice@example.com")).isFalse();
        assertThat(AutoReplies.machineSender("noreplyfan@example.com")).isFalse();
    }

    @Test
    void allowlistTakesAddressesDomainsAndSubdomainPatterns() {
        SenderAllowlist list = new SenderAllowlist(List.of("Alice@Example.com", "@team.org", "partner.net", "*.corp.io"));
        assertThat(list.allows("alice@example.com")).isTrue();
        assertThat(list.allows("bob@example.com")).isFalse();
        assertThat(list.allows("x@team.org")).isTrue();
        assertThat(list.allows("x@sub.team.org")).isFalse();
        assertThat(list.allows("x@partner.net")).isTrue();
        assertThat(list.allows("x@eu.corp.io")).isTrue();
        assertThat(list.allows("x@corp.io")).isFalse();
        assertThat(list.allows("x@evilcorp.io")).isFalse();
        assertThat(list.allows(null)).isFalse();
        assertThat(new SenderAllowlist(List.of()).allows("anyone@anywhere.com")).isTrue();
    }

    @Test
    void rateLimitSlidesOverTheWindowPerUser() {
        MutableClock clock = new MutableClock();
        RateLimiter limiter = new RateLimiter(2, Duration.ofMinutes(1), clock);
        assertThat(limiter.tryAcquire("a")).isTrue();
        clock.now = clock.now.plusSeconds(30);
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
        assertThat(limiter.tryAcquire("b")).isTrue();
        clock.now = clock.now.plusSeconds(31);
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
    }

    /** A bot met by many users keeps only those of the current window. */
    @Test
    void usersOfPastWindowsAreForgotten() {
        MutableClock clock = new MutableClock();
        RateLimiter limiter = new RateLimiter(2, Duration.ofMinutes(1), clock);
        for (int user = 0; user < 5000; user++) {
            assertThat(limiter.tryAcquire("user" + user)).isTrue();
            clock.now = clock.now.plusMillis(100); // 600 users per window
        }
        assertThat(limiter.remembered()).isLessThanOrEqualTo(600 + 1000);
        assertThat(limiter.tryAcquire("user4999")).isTrue();
        assertThat(limiter.tryAcquire("user4999")).isFalse(); // the active user's count was kept
    }

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
