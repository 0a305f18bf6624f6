package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RegexRepetitionsTest {

    /** The pre-tokenizer patterns of tokenizers on the Hub, as their tokenizer.json files hold them. */
    @ParameterizedTest
    @ValueSource(strings = {
        // GPT-2 (ByteLevel's pattern, also written out as a Split)
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
        // Llama 3
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
        // Qwen2
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
        // o200k
        "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
        // DeepSeek-V3's three splits
        "\\p{N}{1,3}",
        "[一-龥\\u3040-ゟ゠-ヿ]+",
        "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
        // BLOOM: a class nested in a class, in Oniguruma's syntax
        " ?[^(\\s|[.,!?…。，、।۔،])]+",
        // Tekken (Mistral)
        "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
        // GPT-4o as llama.cpp writes it (case folding by lookaheads), Qwen3.5, and short ones seen in the wild
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
        "[^\\n]+|[\\n]+", "\\S+", " {2,}", "\\s+",
        // Falcon
        "[\\p{P}\\$\\+<=>\\^~\\|`]+",
        "[0-9][0-9][0-9]",
    })
    void realTokenizerPatternsPass(String pattern) {
        assertThat(RegexRepetitions.nested(pattern)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '\t', quoteCharacter = '"', value = {
        "(a+)+b\t(a+)+",
        "(a*)*\t(a*)*",
        "x|(?:y\\s*)+z\t(?:y\\s*)+",
        "((ab)*c)*\t((ab)*c)*",
        "(\\p{L}+\\s?){2,}\t(\\p{L}+\\s?){2,}",
        "(a{1,3})+\t(a{1,3})+",
        "(?<w>[a-z]?[a-z]){3,9}?\t(?<w>[a-z]?[a-z]){3,9}?",
        "(?:(?:a|b)+c?)+\t(?:a|b)+",
        "(?<r>a)(\\g<r>)+\t(\\g<r>)+",
        // Ruby syntax: a quantifier after an interval repeats it ((?:a{1,3})+), it is not possessive
        "a{1,3}+b\ta{1,3}+",
        "x{2,}+y\tx{2,}+",
        "a*{2,}\ta*{2,}",
        // a comment group between a repetition and its quantifier hides nothing
        "(a+)(?#c)+b\t(a+)(?#c)+",
        "a{1,3}(?#c)+b\ta{1,3}(?#c)+",
        // a repeated choice: (a|a)+ and (a|ab)* backtrack as (a+)+ does
        "(a|a)+b\t(a|a)+",
        "x(?:a|ab)*c\t(?:a|ab)*",
        "((a|b)c){30}\t((a|b)c){30}",
        "\\x61{1,3}+b\t\\x61{1,3}+",
        // unbounded repetitions in a row before a required match: polynomial backtracking
        "a*a*b\ta*a*b",
        "x|a+a*a*b\ta+a*a*b",
        "\\s+\\s*x\t\\s+\\s*x",
        "a*x?a*b\ta*x?a*b",
        "[a-z]*\\w+(?=\\d)\\d\t[a-z]*\\w+(?=\\d)",
        "a*a*(?:b|c)\ta*a*(?:b|c)",
        "^a*a*$b\ta*a*$",
        // ... followed into and out of groups that match at most once
        "(?:a*)a*c\t(?:a*)a*c",
        "a*(?:a*)c\ta*(?:a*)c",
        "a*(a*)c\ta*(a*)c",
        "a*(?<n>a*)?c\ta*(?<n>a*)?c",
        "a*(?i:x|a*)c\ta*(?i:x|a*)c",
        "a*(?:b*c)\ta*(?:b*c)",
        "(?:x\\s+)\\s*y\t(?:x\\s+)\\s*y",
        "(?:(?:a*)(?:b*))c\t(?:(?:a*)(?:b*))c",
        "(?:a*)?(?:b*)?c\t(?:a*)?(?:b*)?c",
        "(?'q'a+)(?i)a*c\t(?'q'a+)(?i)a*c",
        // ... through a required atom, which may match inside the run (a*aa*c is a*a+c)
        "a*aa*c\ta*aa*c",
        "\\w+[a-z]\\w+?c\t\\w+[a-z]\\w+?c",
        "a*xa*b\ta*xa*b",
        "(?:a*x)a*b\t(?:a*x)a*b",
        "a*(?:x|ya*)b\ta*(?:x|ya*)b",
        "a*(a+)c\ta*(a+)c",
        "a*(?:a+c)\ta*(?:a+c)",
        // ... rescanned by what gives no choice back: possessive, atomic, lookaround, back-reference
        "a*a*+c\ta*a*+c",
        "\\w*a++b+b??\t\\w*a++b+",
        "a*(?>a*)c\ta*(?>a*)c",
        "a*(?>a+)c\ta*(?>a+)c",
        "a*(?=a*c)\ta*(?=a*c)",
        "a*(?!a*b)c\ta*(?!a*b)",
        "(?:a*)(?=a*)b\t(?:a*)(?=a*)b",
        "(a*)\\1c\t(a*)\\1c",
        // ... into a positive lookahead, which must match
        "a*a*(?=c)\ta*a*(?=c)",
        "a*a*(?!b)\ta*a*(?!b)",
        // ... into an anchor, which fails at every split but the last
        "a*a*$\ta*a*$",
        "a*a*\\b\ta*a*\\b",
        "(?:a*a*)$\t(?:a*a*)$",
        // ... and from a repeated atomic group, which backtracks over its count
        "(?>b)+b*c\t(?>b)+b*c",
        "(?>b)+\\S++c\t(?>b)+\\S++c",
        "b+?b{2,}?(?=c?\\s{1,3})\tb+?b{2,}?(?=c?\\s{1,3})",
        // ... past an optional possessive, which requires nothing
        "a*b?+a*c\ta*b?+a*c",
        // ... and with long intervals as unbounded
        "a{1,9999}a{1,9999}c\ta{1,9999}a{1,9999}c",
        // ... and short ones that together give as many choices (600 letters killed the process)
        "\\p{L}*\\w{0,30}\\w{0,30}\\w{0,30}c\t\\p{L}*\\w{0,30}\\w{0,30}\\w{0,30}c",
        "a*\\w{0,3}\\w{0,3}\\w{0,3}c\ta*\\w{0,3}\\w{0,3}\\w{0,3}c",
        "a*(?:ab){0,8}(?:ab){0,8}c\ta*(?:ab){0,8}(?:ab){0,8}c",
    })
    void aRepeatedRepetitionIsFoundAndQuoted(String pattern, String found) {
        assertThat(RegexRepetitions.nested(pattern)).contains(found);
    }

    /** Extended mode lets spaces and comments stand between an atom and its quantifier: refused as such. */
    @ParameterizedTest
    @ValueSource(strings = {"(?x)(a +) +b", "(?x)a{1,3} +b", "(?ix:a b)", "(?x-i)ab", "x|(?mx)y"})
    void extendedModeIsRefused(String pattern) {
        assertThat(RegexRepetitions.problem(pattern)).contains(
                "uses extended mode ((?x)), where spaces and comments could hide a repeated repetition");
    }

    @Test
    void aRepeatedRepetitionIsNamedAsSuch() {
        assertThat(RegexRepetitions.problem("(a+)+b")).contains(
                "repeats a repetition or a choice, or runs repetitions into a required match ((a+)+)");
        assertThat(RegexRepetitions.problem("(?i:'s|'t)|\\p{L}+")).isEmpty();
    }

    /** Repetitions that cannot backtrack into each other, or that are no repetitions at all. */
    @ParameterizedTest
    @ValueSource(strings = {
        "(ab)+", "(a+)?b", "(a+){1}", "(a++)+", "(?>a+)+", "(?>(a+))*", "[(a+)+]+", "\\(a+\\)+", "(?#(a+)+)x+",
        "a{,3}b{2}", "a{x}+", "(?i:'s|'t)?x+", "(?:ab|cd)", "[[:alpha:]&&[^aeiou]]+", "[]a]+(b)*", "\\x{263a}+(\\p{L})+",
        // runs that end their branch, or are split by a required match, or cannot be backtracked into
        "a*a*", "a*a*|b", "a*a*(?:b)?", "a*+a*b", "(?>a*)a*b", "a{2,5}a*b",
        "(?:a*)?b", "(?i)a*b", "(?:a*(?#c))b", "(?>a*)(?>a*)b", "a*+a*+b", "a{1,31}a{1,31}c", "(a)\\1*b",
        // as the real ones, and others seen in the wild (BERT, cl100k's short form, digits in threes)
        "\\w+|[^\\w\\s]+", "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
        "\\p{N}{1,3}(?=(?:\\p{N}{3})*(?:\\P{N}|$))",
    })
    void repetitionsThatCannotBacktrackIntoEachOtherPass(String pattern) {
        assertThat(RegexRepetitions.nested(pattern)).isEmpty();
    }

    /**
     * Patterns Oniguruma refuses or that no tokenizer writes still get an answer, never another
     * exception (a StackOverflowError escaped the tokenizer's clean-up, leaking its native half).
     */
    @Test
    void oddPatternsGetAnAnswerNotAnException() {
        String deep = "(?:".repeat(5_000) + "a" + ")".repeat(5_000);
        assertThat(RegexRepetitions.nested(deep)).isPresent();
        assertThat(RegexRepetitions.nested("(?:".repeat(RegexRepetitions.MAX_DEPTH) + "a" + ")".repeat(RegexRepetitions.MAX_DEPTH)))
                .isEmpty();
        for (String odd : List.of("a*a*\\", "a*a*[\\", "a*(?:a+c\\", "\\", "(?", "[", "(", "a{", "a{1,", "x{,}")) {
            assertThat(RegexRepetitions.nested(odd)).as(odd).isNotNull();
        }
        assertThat(RegexRepetitions.nested("a{99999999999}a*c")).contains("a{99999999999}a*c");
        // a ')' without its '(' ends no more than itself: what follows is read too
        assertThat(RegexRepetitions.nested("a)(a+)+b")).contains("(a+)+");
    }
}
