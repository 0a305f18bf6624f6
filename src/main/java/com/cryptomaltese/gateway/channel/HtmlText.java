package com.cryptomaltese.gateway.channel;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plain text of an HTML-only mail: block elements become line breaks, quoted blocks
 * (&lt;blockquote&gt;, nested ones too) and invisible parts (head, style, script) are dropped,
 * entities are decoded. Enough for the model to read a message; not a renderer.
 * <p>
 * Every step is linear in the mail's length, whatever the mail: a sender chooses the HTML, and a
 * pattern that rescans the rest of the text from each unclosed tag took half a minute for 224 KB of
 * {@code <style>}, holding up all other mail. An element or comment never closed hides the rest of
 * the text, as it does in a browser.
 */
public final class HtmlText {

    private static final Pattern INVISIBLE_TAG = Pattern.compile(
            "<(/?)(head|style|script|title|blockquote)\\b[^<>]*>", Pattern.CASE_INSENSITIVE);
    private static final Pattern LINE_BREAK = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);
    private static final Pattern BLOCK = Pattern.compile(
            "</?(p|div|li|ul|ol|tr|table|h[1-6]|pre|hr)\\b[^<>]*>", Pattern.CASE_INSENSITIVE);
    private static final Pattern TAG = Pattern.compile("<[^<>]*>");
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

    /** Drops each invisible element with what it holds, counting nested elements of its kind. */
    private static String dropInvisible(String html) {
        Matcher tag = INVISIBLE_TAG.matcher(html);
        StringBuilder out = new StringBuilder(html.length());
        int kept = 0;
        String open = null;
        int depth = 0;
        while (tag.find()) {
            boolean closing = !tag.group(1).isEmpty();
            String name = tag.group(2).toLowerCase(Locale.ROOT);
            if (open == null) {
                if (!closing) {
                    out.append(html, kept, tag.start());
                    open = name;
                    depth = 1;
                }
            } else if (name.equals(open)) {
                depth += closing ? -1 : 1;
                if (depth == 0) {
                    open = null;
                    kept = tag.end();
                }
            }
        }
        return open == null ? out.append(html, kept, html.length()).toString() : out.toString();
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
