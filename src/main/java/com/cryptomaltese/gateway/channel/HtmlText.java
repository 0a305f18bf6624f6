package com.cryptomaltese.gateway.channel;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plain text of an HTML-only mail: block elements become line breaks, quoted blocks
 * (&lt;blockquote&gt;) and invisible parts (head, style, script) are dropped, entities are decoded.
 * Enough for the model to read a message; not a renderer.
 */
public final class HtmlText {

    private static final Pattern INVISIBLE = Pattern.compile(
            "<(head|style|script|title|blockquote)\\b[^>]*>.*?</\\1\\s*>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern COMMENT = Pattern.compile("<!--.*?-->", Pattern.DOTALL);
    private static final Pattern LINE_BREAK = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);
    private static final Pattern BLOCK = Pattern.compile(
            "</?(p|div|li|ul|ol|tr|table|h[1-6]|pre|hr)\\b[^>]*>", Pattern.CASE_INSENSITIVE);
    private static final Pattern TAG = Pattern.compile("<[^>]*>");
    private static final Pattern ENTITY = Pattern.compile("&(#\\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);");
    private static final Map<String, String> NAMED = Map.of(
            "amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'", "nbsp", " ",
            "hellip", "…", "mdash", "—", "ndash", "–", "rsquo", "’");

    private HtmlText() {
    }

    public static String toText(String html) {
        if (html == null) {
            return "";
        }
        String s = COMMENT.matcher(html).replaceAll("");
        s = INVISIBLE.matcher(s).replaceAll("");
        s = s.replaceAll("\\s+", " ");
        s = LINE_BREAK.matcher(s).replaceAll("\n");
        s = BLOCK.matcher(s).replaceAll("\n\n");
        s = TAG.matcher(s).replaceAll("");
        s = decode(s);
        s = s.replaceAll("[ \\t\\u00a0]+\\n", "\n").replaceAll("\\n[ \\t\\u00a0]+", "\n").replaceAll("\\n{3,}", "\n\n");
        return s.strip();
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
}
