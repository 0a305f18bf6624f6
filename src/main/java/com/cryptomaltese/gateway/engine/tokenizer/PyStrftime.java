package com.cryptomaltese.gateway.engine.tokenizer;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.now().strftime(format)} in the C locale, for transformers' {@code strftime_now}.
 * Llama 3.x templates print "Today Date: 07 Mar 2025" through it. The naive local time has no zone, so
 * {@code %z}/{@code %Z} print nothing, as in Python.
 */
final class PyStrftime {

    private PyStrftime() {
    }

    static String format(LocalDateTime t, String format) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                b.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'a' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> b.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> b.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'd' -> b.append(two(t.getDayOfMonth()));
                case 'e' -> b.append(String.format("%2d", t.getDayOfMonth()));
                case 'm' -> b.append(two(t.getMonthValue()));
                case 'y' -> b.append(two(t.getYear() % 100));
                case 'Y' -> b.append(t.getYear());
                case 'H' -> b.append(two(t.getHour()));
                case 'I' -> b.append(two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12));
                case 'M' -> b.append(two(t.getMinute()));
                case 'S' -> b.append(two(t.getSecond()));
                case 'p' -> b.append(t.getHour() < 12 ? "AM" : "PM");
                case 'f' -> b.append(String.format("%06d", t.getNano() / 1000));
                case 'j' -> b.append(String.format("%03d", t.getDayOfYear()));
                case 'u' -> b.append(t.getDayOfWeek().getValue());
                case 'w' -> b.append(t.getDayOfWeek().getValue() % 7);
                case 'F' -> b.append(t.format(DateTimeFormatter.ISO_LOCAL_DATE));
                case 'T' -> b.append(two(t.getHour())).append(':').append(two(t.getMinute())).append(':').append(two(t.getSecond()));
                case 'z', 'Z' -> { }
                case '%' -> b.append('%');
                default -> b.append('%').append(d); // glibc prints unknown directives unchanged
            }
        }
        return b.toString();
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }
}
