package com.cryptomaltese.gateway.engine.tokenizer;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds a repetition of a repetition ({@code (a+)+}, {@code (?:x*y?)*}) in an Oniguruma pattern, the
 * shape that backtracks exponentially. The Rust tokenizers run tokenizer.json's patterns on Oniguruma,
 * and when a match exceeds its retry limit the binding panics, which aborts the whole process; with
 * {@code (a+)+b} twenty-five letters are enough. The patterns of real tokenizers (GPT-2, Llama 3,
 * Qwen2, o200k, DeepSeek, Tekken …) repeat only characters and classes, so refusing this shape costs
 * nothing real. A repeated choice ({@code (a|ab)*}) backtracks the same way and is refused as well.
 *
 * <p>A recursive descent over Ruby syntax, Oniguruma's default: escapes, nested character classes,
 * groups of every kind, {@code * + ?} and intervals, lazy and possessive forms, stacked quantifiers
 * ({@code a{1,3}+} repeats {@code a{1,3}}). Possessive quantifiers and atomic groups never backtrack
 * into what they matched, so what they hold is safe.
 *
 * <p>Two or more unbounded repetitions in a row followed by something that must match ({@code a*a*b},
 * {@code \s+\s*x}) backtrack polynomially without nesting, enough for the same abort on a chat
 * message's length, and are refused too, whether or not their characters overlap (working that out
 * is not worth the risk). Real tokenizers end such runs with their branch ({@code \s*[\r\n]+|})
 * or an optional group. Runs are followed into and out of groups that match at most once
 * ({@code (?:a*)a*b}, {@code a*(?:x|a*)b}).
 */
final class RegexRepetitions {

    /**
     * Turns extended mode on ({@code (?x)}, {@code (?ix:…)}): spaces and {@code #} comments are then
     * ignored between an atom and its quantifier, which this reader does not follow.
     */
    private static final Pattern EXTENDED = Pattern.compile("\\(\\?[a-wyz]*x[a-z]*[-:)]");

    private final String pattern;
    private int at;

    private RegexRepetitions(String pattern) {
        this.pattern = pattern;
    }

    /**
     * Why the pattern may backtrack without end, if it may: it repeats a repetition (quoted as
     * written), or it uses extended mode, which real tokenizers do not and where this reader could
     * miss one.
     */
    static Optional<String> problem(String pattern) {
        if (EXTENDED.matcher(pattern).find()) {
            return Optional.of("uses extended mode ((?x)), where spaces and comments could hide a repeated repetition");
        }
        return nested(pattern).map(found -> "repeats a repetition or a choice, or runs repetitions into a "
                + "required match (" + found + ")");
    }

    /**
     * The first repeated group holding a repetition, or run of repetitions before a required atom, as
     * written in the pattern, if there is one.
     */
    static Optional<String> nested(String pattern) {
        RegexRepetitions parser = new RegexRepetitions(pattern);
        try {
            parser.alternation();
            return Optional.empty();
        } catch (Nested found) {
            return Optional.of(found.text);
        }
    }

    /**
     * What a group tells the sequence around it, so that runs of repetitions are followed through
     * groups that match at most once ({@code a*(?:a*)b}, {@code (?:x|a*)a*b}). Run lengths are
     * unbounded repetitions in a row that the engine can split a stretch of text between; -1 where
     * no branch of the kind exists.
     *
     * @param variable it can match in more than one way: it holds a variable repetition, or a choice
     *                 between branches ((a|a)+ and (a|ab)+ backtrack as (a+)+ does; whether branches
     *                 overlap is not worked out)
     * @param lead     the longest run before a required atom that may be the first one of a branch
     * @param trail    the longest run after the last required atom of a branch that has one
     * @param empty    the longest run of a branch that requires nothing (it can match empty)
     */
    private record Summary(boolean variable, int lead, int trail, int empty) {
    }

    /** One branch of an alternation, read atom by atom. */
    private final class Branch {

        /** Unbounded repetitions in a row so far, and where the first began. */
        int run;
        int runStart = -1;
        /** The longest run before an atom that may be this branch's first required one. */
        int lead = -1;
        /** A required atom was seen: the branch matches at least one character. */
        boolean required;

        /** An atom that matches a varying or fixed number of times, as its quantifier says. */
        void atom(int start, boolean mandatory, boolean unbounded, boolean possessive) {
            // a*a*b: each start position tries every split of a run of a's between the two before b
            // fails, which Oniguruma's retry limit turns into an abort on a long enough run.
            if (mandatory) {
                if (run >= 2) {
                    throw new Nested(pattern.substring(runStart, at));
                }
                requireAfter(run);
            }
            if (unbounded && !possessive) {
                runStart = run == 0 ? start : runStart;
                run++;
            } else if (mandatory) {
                run = 0;
            }
        }

        /** A group matched once ({@code optional}: at most once): its runs join this branch's. */
        void group(int start, Summary group, boolean optional) {
            int before = run;
            // Through the group without a required atom (an empty-matching branch, or skipped).
            int through = Math.max(optional ? before : -1, group.empty() >= 0 ? before + group.empty() : -1);
            // Where a way through requires nothing, a failed required atom inside costs one more try,
            // not a backtrack over the run; what follows the group is checked with the run carried on.
            if (through < 0) {
                if (before + group.lead() >= 2) {
                    throw new Nested(pattern.substring(before > 0 ? runStart : start, at));
                }
                requireAfter(before + group.lead());
            }
            if (group.trail() > through) {
                runStart = start; // the run begins inside the group
                run = group.trail();
            } else {
                runStart = before > 0 ? runStart : start;
                run = through;
            }
        }

        private void requireAfter(int runBefore) {
            if (!required) {
                lead = Math.max(lead, runBefore);
            }
            required = true;
        }
    }

    /** A run of branches up to an unmatched ')' or the end. */
    private Summary alternation() {
        boolean variable = false;
        int lead = -1;
        int trail = -1;
        int empty = -1;
        Branch branch = new Branch();
        while (true) {
            boolean end = at >= pattern.length() || pattern.charAt(at) == ')';
            if (end || pattern.charAt(at) == '|') {
                lead = Math.max(lead, branch.lead);
                if (branch.required) {
                    trail = Math.max(trail, branch.run);
                } else {
                    empty = Math.max(empty, branch.run);
                }
                if (end) {
                    return new Summary(variable, lead, trail, empty);
                }
                variable = true;
                branch = new Branch();
                at++;
                continue;
            }
            int start = at;
            zeroWidth = false;
            group = null;
            boolean atomVariable = atom();
            boolean atomZeroWidth = zeroWidth;
            Summary atomGroup = group;
            skipComments();
            Quantifier quantifier = quantifier();
            if (quantifier.repeats() && atomVariable) {
                throw new Nested(pattern.substring(start, at));
            }
            boolean repeatedVariable = atomVariable || quantifier.variable();
            boolean unbounded = quantifier.max() == Integer.MAX_VALUE;
            boolean mandatory = quantifier.min() >= 1;
            boolean atMostOnce = quantifier.max() <= 1 && quantifier != POSSESSIVE;
            // A quantifier on a quantifier repeats the repetition: a{1,3}+ is (?:a{1,3})+ in Ruby syntax.
            while (quantifier != Quantifier.ONCE && skipComments() < pattern.length()
                    && "*+?{".indexOf(pattern.charAt(at)) >= 0) {
                quantifier = quantifier();
                if (quantifier == Quantifier.ONCE) {
                    break; // a '{' that is no interval
                }
                if (quantifier.repeats() && repeatedVariable) {
                    throw new Nested(pattern.substring(start, at));
                }
                repeatedVariable |= quantifier.variable();
                unbounded |= quantifier.max() == Integer.MAX_VALUE;
                mandatory &= quantifier.min() >= 1;
                atMostOnce &= quantifier.max() <= 1 && quantifier != POSSESSIVE;
            }
            variable |= repeatedVariable;
            if (atomZeroWidth) {
                continue; // an anchor or a lookaround takes no characters from the run before it
            }
            if (atomGroup != null && atMostOnce) {
                branch.group(start, atomGroup, !mandatory);
            } else {
                branch.atom(start, mandatory, unbounded, quantifier == POSSESSIVE);
            }
        }
    }

    /** Set by {@link #atom()}: the atom matches no characters (an anchor, a lookaround). */
    private boolean zeroWidth;

    /** Set by {@link #atom()}: the atom is a group that backtracks, and what it holds. */
    private Summary group;

    /** One atom; true when it holds a variable repetition that can backtrack. */
    private boolean atom() {
        char c = pattern.charAt(at);
        switch (c) {
            case '(' -> {
                return group();
            }
            case '[' -> {
                characterClass();
                return false;
            }
            case '\\' -> {
                return escape();
            }
            default -> {
                zeroWidth = c == '^' || c == '$';
                at++;
                return false;
            }
        }
    }

    /**
     * A group of any kind: its opening ({@code ?:}, {@code ?<name>}, {@code ?i-m:} …) is read as
     * such, not as characters, so that what the group requires is known.
     */
    private boolean group() {
        at++;
        if (pattern.startsWith("?#", at)) {
            skipPast(')');
            return false;
        }
        boolean atomic = pattern.startsWith("?>", at);
        boolean lookaround = pattern.startsWith("?=", at) || pattern.startsWith("?!", at)
                || pattern.startsWith("?<=", at) || pattern.startsWith("?<!", at);
        // (?~abc), Oniguruma's absent operator, matches any stretch without abc: a repetition.
        boolean absent = pattern.startsWith("?~", at);
        groupOpening();
        Summary inside = alternation();
        if (at < pattern.length()) {
            at++; // ')'
        }
        zeroWidth = lookaround;
        if (absent) {
            return true;
        }
        group = atomic || lookaround ? null : inside;
        return inside.variable() && !atomic;
    }

    /** Steps over what opens a group after its '(': {@code ?:}, {@code ?=}, {@code ?<name>}, {@code ?'name'}, {@code ?im-x:}. */
    private void groupOpening() {
        if (!pattern.startsWith("?", at)) {
            return;
        }
        at++;
        if (pattern.startsWith("<=", at) || pattern.startsWith("<!", at)) {
            at += 2;
        } else if (pattern.startsWith("<", at) || pattern.startsWith("'", at)) {
            skipPast(pattern.charAt(at) == '<' ? '>' : '\'');
        } else if (at < pattern.length() && ":=!>~".indexOf(pattern.charAt(at)) >= 0) {
            at++;
        } else {
            // options: (?i-m:…) applies them inside, (?i) to the rest of the enclosing group
            while (at < pattern.length() && (Character.isLetter(pattern.charAt(at)) || pattern.charAt(at) == '-')) {
                at++;
            }
            if (pattern.startsWith(":", at)) {
                at++;
            }
        }
    }

    /** {@code [...]} with Oniguruma's nested classes ({@code [a-z&&[^aeiou]]}, {@code [[:alpha:]]}). */
    private void characterClass() {
        int depth = 0;
        while (at < pattern.length()) {
            char c = pattern.charAt(at);
            if (c == '\\') {
                at += 2;
                continue;
            }
            if (c == '[') {
                depth++;
                at++;
                if (pattern.startsWith("^", at)) {
                    at++;
                }
                if (pattern.startsWith("]", at)) {
                    at++; // a ']' first in a class is a character
                }
                continue;
            }
            at++;
            if (c == ']' && --depth == 0) {
                return;
            }
        }
    }

    /**
     * {@code \p{L}}, {@code \x{263a}}, {@code \k<name>} or one escaped character: none of them
     * repeats. A subexpression call ({@code \g<name>}) runs a group again, whatever it holds, so
     * it counts as a repetition.
     */
    private boolean escape() {
        char kind = at + 1 < pattern.length() ? pattern.charAt(at + 1) : 0;
        zeroWidth = "bBAzZG".indexOf(kind) >= 0;
        at += 2;
        if (at < pattern.length() && "pPxkg".indexOf(kind) >= 0
                && (pattern.charAt(at) == '{' || pattern.charAt(at) == '<')) {
            skipPast(pattern.charAt(at) == '{' ? '}' : '>');
        } else if (kind == 'x' || kind == 'u') {
            // an escaped hex character (x and two digits, u and four): one character
            int digits = kind == 'x' ? 2 : 4;
            while (digits-- > 0 && at < pattern.length() && Character.digit(pattern.charAt(at), 16) >= 0) {
                at++;
            }
        }
        return kind == 'g';
    }

    /** Steps over comment groups ({@code (?#…)}), which may stand between an atom and its quantifier; the new position. */
    private int skipComments() {
        while (pattern.startsWith("(?#", at)) {
            skipPast(')');
        }
        return at;
    }

    private void skipPast(char end) {
        int found = pattern.indexOf(end, at);
        at = found < 0 ? pattern.length() : found + 1;
    }

    /** A possessive quantifier: its atom, matched once its way, is never backtracked into. */
    private static final Quantifier POSSESSIVE = new Quantifier(1, 1);

    private Quantifier quantifier() {
        if (at >= pattern.length()) {
            return Quantifier.ONCE;
        }
        boolean interval = pattern.charAt(at) == '{';
        Quantifier quantifier = switch (pattern.charAt(at)) {
            case '*' -> new Quantifier(0, Integer.MAX_VALUE);
            case '+' -> new Quantifier(1, Integer.MAX_VALUE);
            case '?' -> new Quantifier(0, 1);
            case '{' -> interval();
            default -> Quantifier.ONCE;
        };
        if (quantifier == Quantifier.ONCE) {
            return quantifier;
        }
        at++;
        // Possessive (*+ ++ ?+): what it took is never given back. After an interval, Ruby syntax
        // reads a '+' as a second quantifier instead, which the caller sees.
        if (!interval && at < pattern.length() && pattern.charAt(at) == '+') {
            at++;
            return POSSESSIVE;
        }
        if (at < pattern.length() && pattern.charAt(at) == '?') {
            at++; // lazy: backtracks as much as greedy
        }
        return quantifier;
    }

    /** {@code {n}}, {@code {n,}}, {@code {,m}}, {@code {n,m}}; anything else is a literal '{'. */
    private Quantifier interval() {
        int close = pattern.indexOf('}', at);
        if (close < 0) {
            return Quantifier.ONCE;
        }
        String body = pattern.substring(at + 1, close);
        if (!body.matches("\\d*(,\\d*)?") || body.isEmpty() || body.equals(",")) {
            return Quantifier.ONCE;
        }
        int comma = body.indexOf(',');
        int min = comma == 0 ? 0 : Integer.parseInt(comma < 0 ? body : body.substring(0, comma));
        int max = comma < 0 ? min : comma == body.length() - 1 ? Integer.MAX_VALUE : Integer.parseInt(body.substring(comma + 1));
        at = close; // the caller steps past '}'
        return new Quantifier(min, max);
    }

    private record Quantifier(int min, int max) {

        static final Quantifier ONCE = new Quantifier(1, 1);

        /** Matches a varying number of times: the choice is where backtracking comes from. */
        boolean variable() {
            return max != min;
        }

        boolean repeats() {
            return max > 1;
        }
    }

    private static final class Nested extends RuntimeException {

        final String text;

        Nested(String text) {
            super(null, null, false, false);
            this.text = text;
        }
    }
}
