package com.cryptomaltese.gateway.engine.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies the whitespace rules of Jinja's lexer, as transformers configures it ({@code trim_blocks=True},
 * {@code lstrip_blocks=True}, {@code keep_trailing_newline=False}), to a template source and returns a
 * template with the same meaning and no whitespace control left for Jinjava to interpret.
 *
 * <p>Why: Jinjava's own trim/lstrip handling differs from Jinja's in many small ways (it strips spaces
 * before inline block tags, ignores {@code +}, treats comments differently), and a chat template is only
 * right if every byte is right. So the text between tags is trimmed here exactly as
 * {@code jinja2/lexer.py} does, comments are dropped, {@code -}/{@code +} markers are removed and Jinjava
 * then renders with trimming switched off. Tag bodies go through {@link JinjaRewrites} on the way.
 */
final class JinjaSource {

    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*(-%}\\s*|%})");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(\\+%}|-%}\\s*|%}\\n?)");

    private final String src;
    private final StringBuilder out = new StringBuilder();
    private final JinjaRewrites rewrites = new JinjaRewrites();
    private int pos;
    /** Jinja's {@code line_starting}: the previous tag's end match ended with a newline. */
    private boolean lineStarting = true;

    private JinjaSource(String src) {
        this.src = src;
    }

    /** Returns the Jinjava-ready equivalent of a Jinja chat template. */
    static String toJinjava(String jinjaTemplate) {
        JinjaSource s = new JinjaSource(normalizeNewlines(jinjaTemplate));
        s.run();
        return s.out.toString();
    }

    /** Jinja treats \r\n, \r and \n as line breaks, writes them as \n and drops one trailing newline. */
    private static String normalizeNewlines(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private void run() {
        while (true) {
            int start = nextTagStart(pos);
            if (start < 0) {
                out.append(src, pos, src.length());
                return;
            }
            char kind = src.charAt(start + 1);
            Matcher raw = RAW_BEGIN.matcher(src).region(start, src.length());
            boolean isRaw = kind == '%' && raw.lookingAt();
            String sign = signAt(start + 2);
            out.append(stripBeforeTag(src.substring(pos, start), sign, kind != '{'));
            if (isRaw) {
                raw(raw);
            } else if (kind == '#') {
                comment(start + 2 + sign.length());
            } else {
                tag(kind, start + 2 + sign.length());
            }
        }
    }

    private int nextTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    private String signAt(int i) {
        return i < src.length() && (src.charAt(i) == '-' || src.charAt(i) == '+') ? String.valueOf(src.charAt(i)) : "";
    }

    /** {@code -} strips all whitespace before the tag; lstrip_blocks strips indentation before block and comment tags. */
    private String stripBeforeTag(String text, String sign, boolean lstripApplies) {
        if (sign.equals("-")) {
            return PyStrings.rstrip(text, null);
        }
        if (sign.isEmpty() && lstripApplies) {
            int lineStart = text.lastIndexOf('\n') + 1;
            if ((lineStart > 0 || lineStarting) && lineStart < text.length()
                    && PyStrings.isAllSpace(text.substring(lineStart))) {
                return text.substring(0, lineStart);
            }
        }
        return text;
    }

    private void comment(int contentStart) {
        int end = src.indexOf("#}", contentStart);
        if (end < 0) {
            throw new ChatTemplateException("Missing end of comment tag", false);
        }
        char before = end > contentStart ? src.charAt(end - 1) : ' ';
        finishTag(end + 2, before == '-' ? "-" : before == '+' ? "+" : "", true);
    }

    /** Copies a {{ }} or {% %} tag without its whitespace markers; string literals and brackets are skipped. */
    private void tag(char kind, int contentStart) {
        String close = kind == '{' ? "}}" : "%}";
        java.util.ArrayDeque<Character> brackets = new java.util.ArrayDeque<>();
        int i = contentStart;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (brackets.isEmpty()) {
                if (kind == '%' && src.startsWith("+" + close, i)) {
                    emitTag(kind, contentStart, i);
                    finishTag(i + 3, "+", true);
                    return;
                }
                if (src.startsWith("-" + close, i)) {
                    emitTag(kind, contentStart, i);
                    finishTag(i + 3, "-", kind == '%');
                    return;
                }
                if (src.startsWith(close, i)) {
                    emitTag(kind, contentStart, i);
                    finishTag(i + 2, "", kind == '%');
                    return;
                }
            }
            if (c == '\'' || c == '"') {
                i = skipString(i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                brackets.push(c);
            } else if ((c == ')' || c == ']' || c == '}') && !brackets.isEmpty()) {
                brackets.pop();
            }
            i++;
        }
        throw new ChatTemplateException("Unexpected end of template inside a tag", false);
    }

    private int skipString(int quoteAt) {
        char q = src.charAt(quoteAt);
        for (int i = quoteAt + 1; i < src.length(); i++) {
            char c = src.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == q) {
                return i + 1;
            }
        }
        throw new ChatTemplateException("Unterminated string literal in template", false);
    }

    private void emitTag(char kind, int contentStart, int contentEnd) {
        // spaces inside the delimiters so that content starting with '-' is never read as whitespace control
        String body = src.substring(contentStart, contentEnd);
        if (kind == '{') {
            out.append("{{ ").append(rewrites.expression(body)).append(" }}");
        } else {
            rewrites.statement(body, out);
        }
    }

    /** After the closing delimiter: {@code -} eats all whitespace, trim_blocks eats one newline, {@code +} keeps it. */
    private void finishTag(int afterClose, String sign, boolean trimBlocksApplies) {
        int p = afterClose;
        if (sign.equals("-")) {
            while (p < src.length() && PyStrings.isSpace(src.charAt(p))) {
                p++;
            }
        } else if (sign.isEmpty() && trimBlocksApplies && p < src.length() && src.charAt(p) == '\n') {
            p++;
        }
        lineStarting = p > afterClose && src.charAt(p - 1) == '\n';
        pos = p;
    }

    /** {% raw %}…{% endraw %}: the body is kept verbatim except for the whitespace rules before endraw. */
    private void raw(Matcher begin) {
        String beginMatch = begin.group();
        Matcher end = RAW_END.matcher(src).region(begin.end(), src.length());
        if (!end.find()) {
            throw new ChatTemplateException("Missing end of raw directive", false);
        }
        lineStarting = beginMatch.endsWith("\n");
        String data = stripBeforeTag(src.substring(begin.end(), end.start()), end.group(1), true);
        out.append("{% raw %}").append(data).append("{% endraw %}");
        lineStarting = end.group(2).endsWith("\n");
        pos = end.end();
    }
}
