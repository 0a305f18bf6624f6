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
 * <p>Two or more unbounded repetitions followed by something that must match ({@code a*a*b},
 * {@code \s+\s*x}) backtrack polynomially without nesting: every way of sharing a stretch of text
 * between them is tried before the match fails, cubic in its length, enough to hold a core for
 * minutes on a chat message or to abort. They are refused too, counted as follows, where working out
 * which characters overlap is not attempted (refusing costs nothing real):
 * <ul>
 * <li>what the run shares its text with: every unbounded repetition of the branch, through required
 *     characters ({@code a*xa*b}: the x may be an a) and through groups matched once
 *     ({@code a*(?:a+)c}), whose contents are read with the run before them;
 * <li>what scans it again each time the run gives a character back, without offering a choice of its
 *     own: a possessive repetition ({@code a*a*+c}), an atomic group, a lookaround holding a repetition
 *     ({@code a*(?!a*b)c}), a back-reference; each counts once after a run, nothing at its start (a
 *     repeated atomic group backtracks over its count, as {@code b+} does: {@code (?>b)+b*c});
 * <li>what must match: a required atom, an anchor ({@code a*a*$}), what a group matched once, an
 *     atomic group or a lookaround requires, and a negative lookaround of what matches everywhere. An optional group is left when
 *     it fails, so inside it only its own runs count.
 * </ul>
 * Intervals above {@value #UNBOUNDED_FROM} count as unbounded ({@code a{1,9999}}). Real tokenizers
 * end such runs with their branch ({@code \s*[\r\n]+|}) or an optional group.
 */
final class RegexRepetitions {

    /** An interval allowing at least this many repetitions counts as unbounded. */
    static final int UNBOUNDED_FROM = 32;

    /** Groups nested deeper than this are refused (real tokenizers nest two or three). */
    static final int MAX_DEPTH = 100;

    /**
     * Turns extended mode on ({@code (?x)}, {@code (?ix:…)}): spaces and {@code #} comments are then
     * ignored between an atom and its quantifier, which this reader does not follow.
     */
    private static final Pattern EXTENDED = Pattern.compile("\\(\\?[a-wyz]*x[a-z]*[-:)]");

    private final String pattern;
    private int at;
    /** Groups open around the one being read. */
    private int nesting;

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
            // A ')' without its '(' (Oniguruma refuses the pattern anyway) ends no more than itself.
            while (true) {
                parser.alternation(0, -1);
                if (parser.at >= pattern.length()) {
                    return Optional.empty();
                }
                parser.at++;
            }
        } catch (RegexRepetitions.Nested found) {
            return Optional.of(found.text);
        }
    }

    /**
     * What a run of branches tells the sequence around it.
     *
     * @param variable it can match in more than one way: it holds a variable repetition, or a choice
     *                 between branches ((a|a)+ and (a|ab)+ backtrack as (a+)+ does; whether branches
     *                 overlap is not worked out)
     * @param run      the longest run at the end of a branch (the run it was given included)
     * @param required every branch requires a character
     * @param scans    a branch holds something that takes a varying length of text
     */
    private record Summary(boolean variable, int run, boolean required, boolean scans) {
    }

    /** How a group's contents are matched. */
    private enum GroupKind {
        /** Backtracked into like the sequence around it ({@code (…)}, {@code (?:…)}, {@code (?i:…)}). */
        PLAIN,
        /** Matched once and never backtracked into: an atomic group. */
        ATOMIC,
        /** Must match where it stands, taking nothing. */
        LOOKAROUND,
        /** Must not match where it stands, taking nothing. */
        NEGATIVE_LOOKAROUND
    }

    /** One branch of an alternation, read atom by atom. */
    private final class Branch {

        /** Unbounded repetitions that can share the text so far (some before the group the branch is in), and where the first began. */
        int run;
        int runStart;
        /** A required atom was seen: the branch matches at least one character. */
        boolean required;
        boolean scans;
        /** Ways the bounded repetitions since the last counted one can split text ({@code \\w{0,3}} has 4). */
        long choices = 1;

        Branch(int run, int runStart) {
            this.run = run;
            this.runStart = runStart;
        }

        /** Something that must match here, after the run (and {@code more} that rescans it). */
        void mustMatch(int start, int more) {
            if (run + more >= 2) {
                throw new Nested(run > 0 ? runStart : start, at);
            }
        }

        /** Repetitions that backtrack, sharing the run's text: {@code a*}, a group holding {@code a+}. */
        void share(int start, int repetitions) {
            if (repetitions > 0) {
                scans = true;
                if (run == 0) {
                    runStart = start;
                }
            }
            run += repetitions;
        }

        /**
         * What scans the run's text again each time the run gives some back, offering no choice of
         * its own; at the start of a run it takes its part once and for all.
         */
        void rescan() {
            scans = true;
            if (run > 0) {
                run++;
            }
        }

        /**
         * A bounded repetition that may give characters back ({@code \\w{0,30}}, {@code \\p{N}{1,3}}): alone it
         * multiplies the work by its few choices, but several in a row multiply each other, so together
         * they count as one unbounded repetition once their choices reach {@value #UNBOUNDED_FROM}
         * ({@code \\p{L}*\\w{0,30}\\w{0,30}\\w{0,30}c} killed the process on 600 letters).
         */
        void bounded(int start, int min, int max) {
            choices = Math.min((long) UNBOUNDED_FROM, choices * ((long) max - min + 1));
            if (choices >= UNBOUNDED_FROM) {
                choices = 1;
                share(start, 1);
            }
        }
    }

    /** The whole pattern, or a group's contents after a run of {@code run} repetitions from {@code runStart}. */
    private Summary alternation(int run, int runStart) {
        boolean variable = false;
        int longest = 0;
        boolean required = true;
        boolean scans = false;
        Branch branch = new Branch(run, runStart);
        while (true) {
            boolean end = at >= pattern.length() || pattern.charAt(at) == ')';
            if (end || pattern.charAt(at) == '|') {
                longest = Math.max(longest, branch.run);
                required &= branch.required;
                scans |= branch.scans;
                if (end) {
                    return new Summary(variable, longest, required, scans);
                }
                variable = true;
                branch = new Branch(run, runStart);
                at++;
                continue;
            }
            variable |= element(branch);
        }
    }

    /** One atom with its quantifiers, and what it does to the branch's run; true if it can match in more than one way. */
    private boolean element(Branch branch) {
        int start = at;
        if (pattern.charAt(at) == '(' && !pattern.startsWith("(?#", at)) {
            return groupElement(branch, start);
        }
        zeroWidth = false;
        anchor = false;
        rescans = false;
        boolean atomVariable = atom();
        Quantifiers quantifiers = quantifiers(start, atomVariable);
        if (zeroWidth) {
            if (anchor) {
                branch.mustMatch(start, 0); // a*a*$ fails at every split but the last
            }
            return false; // an anchor or a comment takes no characters from the run
        }
        if (quantifiers.mandatory()) {
            branch.mustMatch(start, 0);
            branch.required = true;
        }
        if (quantifiers.unbounded() && !quantifiers.possessive()) {
            branch.share(start, 1);
        } else if (quantifiers.unbounded() || rescans) {
            branch.rescan();
        } else if (quantifiers.variable()) {
            branch.bounded(start, quantifiers.min(), quantifiers.max());
        }
        return quantifiers.variable();
    }

    /**
     * A group and its quantifiers. What it must match is checked after the run it follows when its
     * failure sends the engine back into that run: a group matched once, an atomic group, a
     * lookaround (a negative one fails where what it holds matches). An optional group is left when
     * it fails, so only its own runs count there; after it, its runs join the branch's.
     */
    private boolean groupElement(Branch branch, int start) {
        if (++nesting > MAX_DEPTH) {
            // Deeper than real patterns go: refused rather than read on a stack it could exhaust.
            throw new Nested(start, pattern.length());
        }
        try {
            return groupAt(branch, start);
        } finally {
            nesting--;
        }
    }

    private boolean groupAt(Branch branch, int start) {
        GroupKind kind = kindAt(start + 1);
        int body = at;
        skipGroup();
        Quantifiers peeked = quantifiers(start, false);
        at = body;
        boolean withRun = peeked.mandatory() || kind == GroupKind.LOOKAROUND || kind == GroupKind.NEGATIVE_LOOKAROUND;
        int before = branch.run;
        at++; // '('
        boolean absent = pattern.startsWith("?~", at); // Oniguruma's absent operator: any stretch without …
        groupOpening();
        Summary inside;
        try {
            inside = withRun ? alternation(before, branch.runStart) : alternation(0, -1);
        } catch (Nested found) {
            // quoted to the group's end when it began before the group: a*(?:a+c), not a*(?:a+c
            if (found.from <= start) {
                at = start;
                skipGroup();
                throw new Nested(found.from, at);
            }
            throw found;
        }
        if (at < pattern.length()) {
            at++; // ')'
        }
        boolean atomVariable = absent || inside.variable() && kind == GroupKind.PLAIN;
        Quantifiers quantifiers = quantifiers(start, atomVariable);
        int added = withRun ? inside.run() - before : inside.run();
        boolean scans = inside.scans() || quantifiers.unbounded() || absent;
        switch (kind) {
            case PLAIN -> {
                if (quantifiers.possessive()) {
                    if (scans) {
                        branch.rescan();
                    }
                } else if (quantifiers.max() <= 1) {
                    // (?:a*)a*c, a*(?:x|a*)c: the group's runs join the branch's
                    branch.share(start, added);
                    if (added == 0 && inside.scans() && !withRun) {
                        branch.rescan(); // a*(?:\w++)?c: what scanned at the group's start rescans the run
                    }
                } else if (quantifiers.unbounded() || absent) {
                    branch.share(start, Math.max(1, added));
                } else {
                    branch.share(start, added);
                    if (quantifiers.variable()) {
                        branch.bounded(start, quantifiers.min(), quantifiers.max()); // (?:ab){0,30}
                    }
                }
                branch.required |= quantifiers.mandatory() && inside.required();
            }
            case ATOMIC -> {
                if (quantifiers.unbounded() && !quantifiers.possessive()) {
                    branch.share(start, 1); // (?>b)+ backtracks over how often it matched, as b+ does
                } else if (scans) {
                    branch.rescan();
                }
                branch.required |= quantifiers.mandatory() && inside.required();
            }
            case LOOKAROUND -> {
                if (inside.scans()) {
                    branch.rescan();
                }
            }
            case NEGATIVE_LOOKAROUND -> {
                if (!inside.required()) {
                    // what it holds matches everywhere, so it fails everywhere: a required match
                    branch.mustMatch(start, inside.scans() ? 1 : 0);
                }
                if (inside.scans()) {
                    branch.rescan();
                }
            }
        }
        return atomVariable || quantifiers.variable();
    }

    private GroupKind kindAt(int index) {
        return pattern.startsWith("?>", index) ? GroupKind.ATOMIC
                : pattern.startsWith("?=", index) || pattern.startsWith("?<=", index) ? GroupKind.LOOKAROUND
                : pattern.startsWith("?!", index) || pattern.startsWith("?<!", index) ? GroupKind.NEGATIVE_LOOKAROUND
                : GroupKind.PLAIN;
    }

    /** Steps from a group's '(' past its ')' without reading what it means (to see its quantifier first). */
    private void skipGroup() {
        int depth = 0;
        while (at < pattern.length()) {
            char c = pattern.charAt(at);
            if (c == '\\') {
                at = Math.min(at + 2, pattern.length());
            } else if (c == '[') {
                characterClass();
            } else if (pattern.startsWith("(?#", at)) {
                skipPast(')');
            } else {
                at++;
                if (c == '(') {
                    depth++;
                } else if (c == ')' && --depth == 0) {
                    return;
                }
            }
        }
    }

    /**
     * The quantifiers after an atom, stacked: a quantifier on a quantifier repeats the repetition
     * ({@code a{1,3}+} is {@code (?:a{1,3})+} in Ruby syntax). Repeating what can match in more than
     * one way is refused here.
     */
    private Quantifiers quantifiers(int start, boolean atomVariable) {
        skipComments();
        Quantifier quantifier = quantifier();
        int min = quantifier.min();
        int max = quantifier.max();
        boolean possessive = quantifier.possessive();
        boolean variable = atomVariable;
        while (true) {
            if (quantifier.repeats() && !quantifier.possessive() && variable) {
                throw new Nested(start, at);
            }
            variable |= quantifier.variable();
            if (quantifier == Quantifier.ONCE || skipComments() >= pattern.length()
                    || "*+?{".indexOf(pattern.charAt(at)) < 0) {
                break;
            }
            quantifier = quantifier();
            if (quantifier == Quantifier.ONCE) {
                break; // a '{' that is no interval
            }
            min = (int) Math.min(Integer.MAX_VALUE, (long) min * quantifier.min());
            max = (int) Math.min(Integer.MAX_VALUE, (long) max * quantifier.max());
            possessive |= quantifier.possessive();
        }
        return new Quantifiers(min, max, possessive, variable && !possessive);
    }

    /** What an atom's stacked quantifiers add up to: at least once, at most how often, possessive, varying. */
    private record Quantifiers(int min, int max, boolean possessive, boolean variable) {

        boolean mandatory() {
            return min >= 1;
        }

        boolean unbounded() {
            return max >= UNBOUNDED_FROM;
        }
    }

    /** Set by {@link #atom()}: the atom matches no characters (an anchor, a comment). */
    private boolean zeroWidth;

    /** Set by {@link #atom()}: the atom is an anchor ({@code ^ $ \b \z} …), which must hold where it stands. */
    private boolean anchor;

    /** Set by {@link #atom()}: the atom is a back-reference or a subexpression call, which may take any length. */
    private boolean rescans;

    /** One atom other than a group; true when it can match in more than one way. */
    private boolean atom() {
        char c = pattern.charAt(at);
        switch (c) {
            case '(' -> { // a comment group
                skipPast(')');
                zeroWidth = true;
                return false;
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
                anchor = zeroWidth;
                at++;
                return false;
            }
        }
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
                at = Math.min(at + 2, pattern.length());
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
     * it counts as a repetition. A back-reference ({@code \1}, {@code \k<name>}) and a call may
     * take any length of text: they rescan a run before them.
     */
    private boolean escape() {
        char kind = at + 1 < pattern.length() ? pattern.charAt(at + 1) : 0;
        zeroWidth = "bBAzZG".indexOf(kind) >= 0;
        anchor = zeroWidth;
        rescans = kind == 'k' || kind == 'g' || kind >= '1' && kind <= '9';
        at = Math.min(at + 2, pattern.length()); // a lone '\\' at the end escapes nothing
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

    private Quantifier quantifier() {
        if (at >= pattern.length()) {
            return Quantifier.ONCE;
        }
        boolean interval = pattern.charAt(at) == '{';
        Quantifier quantifier = switch (pattern.charAt(at)) {
            case '*' -> new Quantifier(0, Integer.MAX_VALUE, false);
            case '+' -> new Quantifier(1, Integer.MAX_VALUE, false);
            case '?' -> new Quantifier(0, 1, false);
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
            return new Quantifier(quantifier.min(), quantifier.max(), true);
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
        int min = comma == 0 ? 0 : count(comma < 0 ? body : body.substring(0, comma));
        int max = comma < 0 ? min : comma == body.length() - 1 ? Integer.MAX_VALUE : count(body.substring(comma + 1));
        at = close; // the caller steps past '}'
        return new Quantifier(min, max, false);
    }

    /** A count of an interval; one past int's range is as good as unbounded. */
    private static int count(String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** @param possessive {@code *+ ++ ?+}: what it took, its atom matched once its way, is never given back */
    private record Quantifier(int min, int max, boolean possessive) {

        static final Quantifier ONCE = new Quantifier(1, 1, false);

        /** Matches a varying number of times, and may give some back: the choice backtracking comes from. */
        boolean variable() {
            return max != min && !possessive;
        }

        boolean repeats() {
            return max > 1;
        }

        boolean unbounded() {
            return max >= UNBOUNDED_FROM;
        }
    }

    /** What was found, from where to where in the pattern. */
    private final class Nested extends RuntimeException {

        final int from;
        final String text;

        Nested(int from, int to) {
            super(null, null, false, false);
            this.from = from;
            this.text = pattern.substring(from, to);
        }
    }
}
