package com.cryptomaltese.gateway.engine.tokenizer;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the few Jinja constructs of published chat templates that Jinjava parses otherwise, into
 * Jinja with the same meaning that Jinjava parses right (ChatTemplateGoldenTest holds each against
 * transformers):
 * <ul>
 * <li>{@code not x is defined}: Jinja's {@code not} binds looser than a test, Jinjava's tighter, which
 *     turned the DeepSeek-R1 family's "{@code if not add_generation_prompt is defined}" around and lost
 *     the assistant header; written {@code not (x is defined)}.</li>
 * <li>{@code namespace(n=messages|length - 1)}: Jinjava ends a named argument at the first operator;
 *     computed values get parentheses.</li>
 * <li>{@code seq[::-1]}: not a slice Jinjava knows; written as a filter that reverses a string as a
 *     string and anything else as a list.</li>
 * <li>{@code {% for m in messages if m.role != 'system' %}}: Jinjava ignores the loop filter; the kept
 *     items are collected first, so that {@code loop.index} and {@code loop.length} count them only.</li>
 * <li>{@code {% for … %}…{% else %}…{% endfor %}}: Jinjava renders the else body after the items
 *     instead of for an empty sequence; the sequence is bound to a variable first and the else body
 *     becomes an {@code if} on its length after the loop.</li>
 * <li>{@code {% generation %}}: transformers' marker of assistant text (for training masks) renders its
 *     body; the marker tags are dropped.</li>
 * <li>String literals: Jinja reads their escapes as Python does ({@code \u00e9}, {@code \x41}, a
 *     backslash before a line break continuing the line, as in Mistral Small 3.1's template), Jinjava
 *     knows a few and refuses the rest; each literal is decoded here and written back with only the
 *     escapes Jinjava reads.</li>
 * </ul>
 * Expressions are matched on a copy whose string literals are blanked, so text inside quotes is
 * never rewritten.
 */
final class JinjaRewrites {

    private static final String OPERAND =
            "(?:[A-Za-z_]\\w*|'[^']*'|\"[^\"]*\")(?:\\s*\\.\\s*[A-Za-z_]\\w*|\\[[^\\[\\]]*\\])*";
    /** Tests that take no argument: only these are safe to close a parenthesis after. */
    private static final Set<String> PLAIN_TESTS = Set.of("defined", "undefined", "none", "string", "number",
            "integer", "float", "boolean", "mapping", "iterable", "sequence", "callable", "true", "false", "lower",
            "upper", "even", "odd");
    /** A test and no argument after it: what follows is a keyword, an operator or the end. */
    private static final Pattern NOT_IS = Pattern.compile("\\bnot\\s+(" + OPERAND
            + ")\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)\\b(?!\\s*\\()(?!\\s+(?!(?:and|or|else|if|in|is|not)\\b)[\\w'\"\\[])");
    private static final Pattern REVERSED = Pattern.compile("\\[\\s*::\\s*-\\s*1\\s*\\]");
    private static final Pattern SIMPLE_VALUE = Pattern.compile(
            "\\s*(?:[A-Za-z_]\\w*|-?\\d+(?:\\.\\d+)?|'[^'\\\\]*'|\"[^\"\\\\]*\")\\s*");

    private static final Pattern BLOCK_START = Pattern.compile("^\\s*(if|for|macro|call|filter|with|autoescape)\\b");
    private static final Pattern BLOCK_END = Pattern.compile("^\\s*end(if|for|macro|call|filter|with|autoescape|set)\\s*$");
    private static final Pattern SET_BLOCK = Pattern.compile("^\\s*set\\s+[A-Za-z_][\\w.]*\\s*$");
    private static final Pattern ELSE = Pattern.compile("^\\s*else\\s*$");
    private static final Pattern SIGNATURE = Pattern.compile("^\\s*(macro|call)\\b");

    /** An open block; for a for loop, where its tag sits in the output and what it iterates. */
    private static final class Block {
        final String kind;
        int tagStart;
        int tagEnd;
        String target;
        String iterable;
        boolean inElse;

        Block(String kind) {
            this.kind = kind;
        }
    }

    private final java.util.ArrayDeque<Block> blocks = new java.util.ArrayDeque<>();
    private int loopFilters;
    private int forElses;

    /** A {@code {{ … }}} body. */
    String expression(String body) {
        return reversedSlices(namedArguments(notIs(pythonStrings(body))));
    }

    /** Writes a {@code {% … %}} tag with this body to {@code out}, as the tags that mean the same to Jinjava. */
    void statement(String body, StringBuilder out) {
        String name = body.strip();
        if (name.equals("generation") || name.equals("endgeneration")) {
            return;
        }
        // A macro's parameter defaults are not call arguments: Jinjava reads them up to the first ')'.
        String rewritten = SIGNATURE.matcher(body).lookingAt() ? reversedSlices(notIs(pythonStrings(body)))
                : expression(body);
        if (ELSE.matcher(rewritten).matches() && !blocks.isEmpty() && blocks.peek().kind.equals("for")) {
            forElse(blocks.peek(), out);
            return;
        }
        Matcher end = BLOCK_END.matcher(rewritten);
        if (end.matches()) {
            Block closed = close(end.group(1));
            out.append(closed != null && closed.inElse ? tag("endif") : tag(rewritten));
            return;
        }
        Matcher start = BLOCK_START.matcher(rewritten);
        boolean opens = start.find();
        if (opens || SET_BLOCK.matcher(rewritten).matches()) {
            Block block = new Block(opens ? start.group(1) : "set");
            blocks.push(block);
            if (block.kind.equals("for")) {
                forLoop(block, rewritten, out);
                return;
            }
        }
        out.append(tag(rewritten));
    }

    /** The innermost open block of this kind, closed with everything opened inside it (tolerant of bad nesting). */
    private Block close(String kind) {
        while (!blocks.isEmpty()) {
            Block block = blocks.pop();
            if (block.kind.equals(kind)) {
                return block;
            }
        }
        return null;
    }

    private void forLoop(Block block, String body, StringBuilder out) {
        String collecting = loopFilter(body, block);
        if (collecting != null) {
            out.append(collecting);
            block.tagStart = out.length();
            out.append(tag("for " + block.target + " in " + block.iterable));
        } else {
            String blank = blankStrings(body);
            int in = topLevel(blank, " in ", blank.indexOf("for") + 3);
            if (in >= 0 && topLevel(blank, " recursive", in) < 0) {
                block.target = body.substring(blank.indexOf("for") + 3, in).strip();
                block.iterable = body.substring(in + 4).strip();
            }
            block.tagStart = out.length();
            out.append(tag(body));
        }
        block.tagEnd = out.length();
    }

    /**
     * {@code {% else %}} of a for loop: the loop's sequence is bound to a variable before the loop
     * (rewriting the loop's tag, already written), and the else body runs when that is empty.
     */
    private void forElse(Block loop, StringBuilder out) {
        if (loop.target == null) {
            out.append(tag("else")); // a loop this cannot rewrite (recursive): left to Jinjava
            return;
        }
        String sequence = "__for_else_" + ++forElses;
        out.replace(loop.tagStart, loop.tagEnd, tag("set " + sequence + " = " + loop.iterable)
                + tag("for " + loop.target + " in " + sequence));
        out.append(tag("endfor")).append(tag("if " + sequence + "|length == 0"));
        loop.inElse = true;
    }

    private static String tag(String body) {
        return "{% " + body + " %}";
    }

    private static String notIs(String body) {
        Matcher m = NOT_IS.matcher(blankStrings(body));
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (m.find()) {
            if (!PLAIN_TESTS.contains(m.group(3))) {
                continue;
            }
            out.append(body, at, m.start()).append("not (").append(body, m.start(1), m.end()).append(')');
            at = m.end();
        }
        return out.append(body.substring(at)).toString();
    }

    /** Parenthesizes the computed value of every named argument: {@code f(a=x - 1)} becomes {@code f(a=(x - 1))}. */
    private static String namedArguments(String body) {
        String blank = blankStrings(body);
        StringBuilder out = new StringBuilder();
        int at = 0;
        for (int i = 0; i < blank.length(); i++) {
            char c = blank.charAt(i);
            if (c != '(' && c != ',') {
                continue;
            }
            if (c == ',' && innermostOpen(blank, i) != '(') {
                continue;
            }
            Matcher name = Pattern.compile("\\s*[A-Za-z_]\\w*\\s*=(?!=)").matcher(blank).region(i + 1, blank.length());
            if (!name.lookingAt()) {
                continue;
            }
            int valueStart = name.end();
            int valueEnd = argumentEnd(blank, valueStart);
            if (valueEnd < 0 || SIMPLE_VALUE.matcher(blank.substring(valueStart, valueEnd)).matches()) {
                continue;
            }
            out.append(body, at, valueStart).append('(').append(body, valueStart, valueEnd).append(')');
            at = valueEnd;
        }
        return out.append(body.substring(at)).toString();
    }

    /** {@code x[::-1]} becomes {@code (x|py_reversed_slice)}, for any operand: a name, a call, an index, parentheses. */
    private static String reversedSlices(String body) {
        String blank = blankStrings(body);
        Matcher m = REVERSED.matcher(blank);
        if (!m.find()) {
            return body;
        }
        int start = operandStart(blank, m.start());
        if (start == m.start()) {
            return body; // a list literal's slice or something else this does not know: left as it was
        }
        String rewritten = body.substring(0, start) + "(" + body.substring(start, m.start()) + "|"
                + PythonFilters.REVERSED_SLICE + ")" + body.substring(m.end());
        return reversedSlices(rewritten);
    }

    /**
     * {@code for x in seq if cond}: the tags of a first loop collecting the items that pass into a list,
     * which {@code block} then iterates; null when the for has no loop filter.
     */
    private String loopFilter(String body, Block block) {
        String blank = blankStrings(body);
        int in = topLevel(blank, " in ", blank.indexOf("for") + 3);
        if (in < 0) {
            return null;
        }
        int filter = topLevel(blank, " if ", in + 4);
        if (filter < 0 || topLevel(blank, " else ", filter + 4) >= 0 || topLevel(blank, " recursive", in) >= 0) {
            return null;
        }
        String target = body.substring(blank.indexOf("for") + 3, in).strip();
        String iterable = body.substring(in + 4, filter).strip();
        String condition = body.substring(filter + 4).strip();
        String kept = "__loop_filter_" + ++loopFilters;
        String item = target.contains(",") ? "[" + target + "]" : target;
        block.target = target;
        block.iterable = kept;
        return tag("set " + kept + " = []") + tag("for " + target + " in " + iterable) + tag("if " + condition)
                + tag("do " + kept + ".append(" + item + ")") + tag("endif") + tag("endfor");
    }

    /** The first {@code word} at bracket depth 0 from {@code from}, or -1. */
    private static int topLevel(String blank, String word, int from) {
        int depth = 0;
        for (int i = 0; i < blank.length(); i++) {
            char c = blank.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && i >= from && blank.startsWith(word, i)) {
                return i;
            }
        }
        return -1;
    }

    private static char innermostOpen(String blank, int at) {
        int depth = 0;
        for (int i = at - 1; i >= 0; i--) {
            char c = blank.charAt(i);
            if (c == ')' || c == ']' || c == '}') {
                depth++;
            } else if (c == '(' || c == '[' || c == '{') {
                if (depth == 0) {
                    return c;
                }
                depth--;
            }
        }
        return 0;
    }

    /** Where an argument starting at {@code from} ends: the next ',' or ')' at its own depth; -1 if none. */
    private static int argumentEnd(String blank, int from) {
        int depth = 0;
        for (int i = from; i < blank.length(); i++) {
            char c = blank.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            } else if (c == ')') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Start of the postfix expression ending at {@code end}: names, dots, calls and indexes, or parentheses. */
    private static int operandStart(String blank, int end) {
        int i = end;
        while (i > 0) {
            char c = blank.charAt(i - 1);
            if (c == ')' || c == ']') {
                int open = matchingOpen(blank, i - 1);
                if (open < 0) {
                    return end;
                }
                i = open;
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                while (i > 0 && (Character.isLetterOrDigit(blank.charAt(i - 1)) || blank.charAt(i - 1) == '_')) {
                    i--;
                }
                if (i > 0 && blank.charAt(i - 1) == '.') {
                    i--;
                    continue;
                }
                return i;
            } else {
                return i;
            }
            // after brackets: a name or another postfix may precede them (f(x), a[0]); else they stand alone
            if (i == 0 || !(Character.isLetterOrDigit(blank.charAt(i - 1)) || blank.charAt(i - 1) == '_'
                    || blank.charAt(i - 1) == ')' || blank.charAt(i - 1) == ']')) {
                return i;
            }
        }
        return i;
    }

    private static int matchingOpen(String blank, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            char c = blank.charAt(i);
            if (c == ')' || c == ']' || c == '}') {
                depth++;
            } else if (c == '(' || c == '[' || c == '{') {
                if (--depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * Every string literal decoded as Python decodes it (Jinja's rule) and written back escaping only
     * the backslash and its own quote, which Jinjava reads; other characters (line breaks, tabs, any
     * Unicode) stand in the literal as they are.
     */
    static String pythonStrings(String body) {
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char q = body.charAt(i);
            out.append(q);
            if (q != '\'' && q != '"') {
                continue;
            }
            StringBuilder value = new StringBuilder();
            int j = i + 1;
            while (j < body.length() && body.charAt(j) != q) {
                char c = body.charAt(j);
                if (c == '\\' && j + 1 < body.length()) {
                    j = unescape(body, j + 1, value);
                } else {
                    value.append(c);
                    j++;
                }
            }
            for (int k = 0; k < value.length(); k++) {
                char c = value.charAt(k);
                if (c == '\\' || c == q) {
                    out.append('\\');
                }
                out.append(c);
            }
            if (j < body.length()) {
                out.append(q);
            }
            i = j;
        }
        return out.toString();
    }

    /** Decodes the escape whose letter is at {@code at} into {@code value}; returns the index after it. */
    private static int unescape(String s, int at, StringBuilder value) {
        char c = s.charAt(at);
        switch (c) {
            case '\n' -> { } // a backslash before a line break: the line goes on
            case 'n' -> value.append('\n');
            case 't' -> value.append('\t');
            case 'r' -> value.append('\r');
            case 'a' -> value.append('\u0007');
            case 'b' -> value.append('\b');
            case 'f' -> value.append('\f');
            case 'v' -> value.append('\u000b');
            case '\\', '\'', '"' -> value.append(c);
            case 'x', 'u', 'U' -> {
                int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
                if (at + digits < s.length() && s.substring(at + 1, at + 1 + digits).chars().allMatch(JinjaRewrites::isHex)) {
                    value.appendCodePoint(Integer.parseInt(s.substring(at + 1, at + 1 + digits), 16));
                    return at + 1 + digits;
                }
                value.append('\\').append(c); // not an escape Python reads either: kept as written
            }
            default -> {
                if (c >= '0' && c <= '7') {
                    int end = at;
                    while (end < s.length() && end < at + 3 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
                        end++;
                    }
                    value.append((char) Integer.parseInt(s.substring(at, end), 8));
                    return end;
                }
                value.append('\\').append(c); // an unknown escape stays as written, as in Python
            }
        }
        return at + 1;
    }

    private static boolean isHex(int c) {
        return Character.digit(c, 16) >= 0;
    }

    /** The text with every character inside a string literal replaced by a space (the quotes stay). */
    static String blankStrings(String text) {
        char[] out = text.toCharArray();
        for (int i = 0; i < out.length; i++) {
            char q = out[i];
            if (q != '\'' && q != '"') {
                continue;
            }
            int j = i + 1;
            for (; j < out.length && text.charAt(j) != q; j++) {
                if (text.charAt(j) == '\\' && j + 1 < out.length) {
                    out[j++] = ' ';
                }
                out[j] = ' ';
            }
            i = j;
        }
        return new String(out);
    }
}
