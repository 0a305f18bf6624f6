package com.cryptomaltese.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The README's links within itself lead somewhere: every {@code (#anchor)} names a heading (by
 * GitHub's rule: lower case, punctuation dropped, spaces to hyphens) or an explicit {@code <a id>}.
 * A section lost in an edit shows up here as the links that pointed at it.
 */
class ReadmeLinksTest {

    private static final Pattern LINK = Pattern.compile("\\]\\(#([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6} +(.+?) *$");
    private static final Pattern EXPLICIT = Pattern.compile("<a id=\"([^\"]+)\">");

    @Test
    void everyLinkWithinTheReadmeNamesOneOfItsSections() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        Set<String> anchors = anchors(lines);
        Set<String> broken = new HashSet<>();
        int links = 0;
        for (String line : lines) {
            Matcher link = LINK.matcher(line);
            while (link.find()) {
                links++;
                if (!anchors.contains(link.group(1))) {
                    broken.add(link.group(1));
                }
            }
        }
        assertThat(links).as("internal links found").isGreaterThan(5);
        assertThat(broken).as("links to no section; anchors: " + anchors).isEmpty();
    }

    @Test
    void githubsSlugRuleAsThisTestAppliesIt() {
        assertThat(slug("Quick start: SmolLM2 from the Hub")).isEqualTo("quick-start-smollm2-from-the-hub");
        assertThat(slug("Telegram (route ids `telegram-updates`, `telegram-chat`)"))
                .isEqualTo("telegram-route-ids-telegram-updates-telegram-chat");
    }

    private static Set<String> anchors(List<String> lines) {
        Set<String> anchors = new HashSet<>();
        boolean inCode = false;
        for (String line : lines) {
            if (line.startsWith("```")) {
                inCode = !inCode;
                continue;
            }
            Matcher explicit = EXPLICIT.matcher(line);
            while (explicit.find()) {
                anchors.add(explicit.group(1));
            }
            Matcher heading = HEADING.matcher(line);
            if (!inCode && heading.matches()) {
                String slug = slug(heading.group(1));
                // GitHub numbers repeated headings: name, name-1, name-2, ...
                String unique = slug;
                for (int n = 1; !anchors.add(unique); n++) {
                    unique = slug + "-" + n;
                }
            }
        }
        return anchors;
    }

    /** GitHub's heading anchor: lower case, characters other than letters, digits, spaces, '-' and '_' dropped, spaces to '-'. */
    static String slug(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }
}
