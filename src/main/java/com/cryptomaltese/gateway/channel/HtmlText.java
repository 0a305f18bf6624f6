package com.cryptomaltese.gateway.channel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plain text of an HTML-only mail: block elements become line breaks, quoted blocks
 * (&lt;blockquote&gt;, nested ones too) and invisible parts (style, script, title) are dropped,
 * entities are decoded. Enough for the model to read a message; not a renderer.
 * <p>
 * Every step is linear in the mail's length, whatever the mail: a sender chooses the HTML, and a
 * pattern that rescans the rest of the text from each unclosed tag took half a minute for 224 KB of
 * {@code <style>}, holding up all other mail. A style, script, title or comment never closed hides
 * the rest of the text, as it does in a browser; a blockquote never closed hides nothing (its tag is
 * dropped), since mail clients leave them open and the words after them are the sender's.
 */
public final class HtmlText {

    /**
     * The inside of a tag: a quoted attribute value may hold {@code >}; a quote not after {@code =}
     * is an ordinary character (as in {@code alt=don't}). No part of a tag passes a {@code <}, so a
     * scan from one {@code <} never goes beyond the next and the whole text is one pass; possessive
     * throughout, so no attempt backtracks. (A {@code <} inside a value ends the tag there: mail
     * generators escape it, and allowing it made a crafted mail quadratic.)
     */
    private static final String INSIDE = "(?:[^<>=]++|=\\s*+\"[^\"<]*+\"|=\\s*+'[^'<]*+'|=)*+";
    private static final Pattern INVISIBLE_TAG = Pattern.compile(
            "<(/?)(style|script|title|blockquote)\\b" + INSIDE + ">", Pattern.CASE_INSENSITIVE);
    private static final Pattern LINE_BREAK = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);
    private static final Pattern BLOCK = Pattern.compile(
            "</?(p|div|li|ul|ol|tr|table|h[1-6]|pre|hr)\\b" + INSIDE + ">", Pattern.CASE_INSENSITIVE);
    /** As HTML parses: a '<' opens a tag only before a letter, '/', '!' or '?'; "5 < 6" is text. */
    private static final Pattern TAG = Pattern.compile("<(?=[a-zA-Z/!?])" + INSIDE + ">");
    private static final Pattern ENTITY = Pattern.compile("&(#\\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});");
    /** XML's five, a few typographic ones, and HTML's Latin-1 set (U+00A0 to U+00FF, in order). */
    private static final Map<String, String> NAMED = named();
    private static final String LATIN_1 = "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg "
            + "plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest "
            + "Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute "
            + "Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc "
            + "Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute "
            + "ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide "
            + "oslash ugrave uacute ucirc uuml yacute thorn yuml";

    private HtmlText() {
    }

    public static String toText(String html) {
        if (html == null) {
            return "";
        }
        String s = dropInvisible(dropComments(html));
        s = s.replaceAll("\\s+", " ");
        s = LINE_BREAK.matcher(s).replaceAll("\n");
        s = BLOCK.matcher(s).replaceAll("\n\n");
        s = TAG.matcher(s).replaceAll("");
        s = decode(s);
        s = s.replaceAll("[ \\t\\u00a0]+\\n", "\n").replaceAll("\\n[ \\t\\u00a0]+", "\n").replaceAll("\\n{3,}", "\n\n");
        return s.strip();
    }

    private static String dropComments(String html) {
        StringBuilder out = new StringBuilder(html.length());
        int at = 0;
        while (true) {
            int open = html.indexOf("<!--", at);
            if (open < 0) {
                return out.append(html, at, html.length()).toString();
            }
            out.append(html, at, open);
            int close = html.indexOf("-->", open + 4);
            if (close < 0) {
                return out.toString();
            }
            at = close + 3;
        }
    }

    /**
     * Drops style, script and title elements (their text is raw: no tag inside counts) and every
     * blockquote that is closed, nested ones matched by a stack.
     */
    private static String dropInvisible(String html) {
        Matcher tag = INVISIBLE_TAG.matcher(html);
        List<int[]> dropped = new ArrayList<>();
        Deque<Integer> quotes = new ArrayDeque<>();
        String raw = null;
        int rawStart = 0;
        while (tag.find()) {
            boolean closing = !tag.group(1).isEmpty();
            String name = tag.group(2).toLowerCase(Locale.ROOT);
            if (raw != null) {
                if (closing && name.equals(raw)) {
                    dropped.add(new int[] {rawStart, tag.end()});
                    raw = null;
                }
            } else if (name.equals("blockquote")) {
                if (!closing) {
                    quotes.push(tag.start());
                } else if (!quotes.isEmpty()) {
                    dropped.add(new int[] {quotes.pop(), tag.end()});
                }
            } else if (!closing) {
                raw = name;
                rawStart = tag.start();
            }
        }
        if (raw != null) {
            dropped.add(new int[] {rawStart, html.length()});
        }
        // Nested ranges lie inside their outer one: keep the text outside all of them.
        dropped.sort(Comparator.comparingInt(r -> r[0]));
        StringBuilder out = new StringBuilder(html.length());
        int kept = 0;
        for (int[] range : dropped) {
            if (range[0] >= kept) {
                out.append(html, kept, range[0]);
            }
            kept = Math.max(kept, range[1]);
        }
        return out.append(html, Math.min(kept, html.length()), html.length()).toString();
    }

    private static String decode(String s) {
        Matcher m = ENTITY.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value;
            try {
                if (name.startsWith("#x") || name.startsWith("#X")) {
                    value = Character.toString(Integer.parseInt(name.substring(2), 16));
                } else if (name.startsWith("#")) {
                    value = Character.toString(Integer.parseInt(name.substring(1)));
                } else {
                    value = NAMED.getOrDefault(name, m.group());
                }
            } catch (IllegalArgumentException e) {
                value = m.group();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Map<String, String> named() {
        Map<String, String> named = new HashMap<>(Map.of(
                "amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'",
                "hellip", "\u2026", "mdash", "\u2014", "ndash", "\u2013", "lsquo", "\u2018", "rsquo", "\u2019"));
        named.putAll(Map.of("ldquo", "\u201c", "rdquo", "\u201d", "bull", "\u2022", "euro", "\u20ac",
                "trade", "\u2122"));
        String[] latin1 = LATIN_1.split(" ");
        for (int i = 0; i < latin1.length; i++) {
            named.put(latin1[i], Character.toString(0xA0 + i));
        }
        named.put("nbsp", " "); // a space to the model
        return Map.copyOf(named);
    }
}
