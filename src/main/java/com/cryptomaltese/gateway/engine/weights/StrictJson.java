package com.cryptomaltese.gateway.engine.weights;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * Reads the JSON of a safetensors header or shard index as a stream of tokens: strict UTF-8
 * (Jackson alone would guess other encodings), no duplicate keys (which entry would win is
 * ambiguous), nothing after the object, and a JSON object at the top.
 *
 * <p>Streaming, not a tree: both documents may be up to 100 MB, and a tree of a header that size
 * (a million small tensors) took gigabytes of heap before the header could be refused. What is kept
 * is only what the reader builds from the tokens.
 */
final class StrictJson {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** The longest piece of a refused value quoted in a message. */
    private static final int QUOTED_CHARS = 40;

    /** Reads the members of the top-level object; called with the parser on its START_OBJECT. */
    @FunctionalInterface
    interface ObjectReader<T> {
        T read(JsonParser parser) throws IOException;
    }

    private StrictJson() {
    }

    static <T> T readObject(String source, String what, byte[] bytes, ObjectReader<T> reader)
            throws SafetensorsException {
        Reader text = new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT));
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new SafetensorsException(source + ": " + what + " is not a JSON object");
            }
            T value = reader.read(parser);
            if (parser.nextToken() != null) {
                throw new SafetensorsException(source + ": " + what + " is not valid JSON: content after the object");
            }
            return value;
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(source + ": " + what + " is not valid UTF-8", e);
        } catch (JacksonException e) {
            throw new SafetensorsException(source + ": " + what + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (SafetensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new SafetensorsException(source + ": " + what + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Moves to the next member of the current object: its name, with the parser on its value; null at the end. */
    static String nextMember(JsonParser parser) throws IOException {
        if (parser.nextToken() != JsonToken.FIELD_NAME) {
            return null;
        }
        String name = parser.currentName();
        parser.nextToken();
        return name;
    }

    /**
     * The array the parser is on, as non-negative longs; at most {@code max} of them.
     *
     * @param what     names the array in messages, e.g. {@code "tensor 'w': shape"}
     * @param tooMany  the message when the array holds more than {@code max} values
     */
    static long[] nonNegativeLongs(JsonParser parser, String what, int max, String tooMany) throws IOException {
        long[] values = new long[Math.min(max, 8)];
        int count = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (count == max) {
                throw new SafetensorsException(tooMany);
            }
            if (count == values.length) {
                values = Arrays.copyOf(values, Math.min(max, count * 2));
            }
            values[count] = nonNegativeLong(parser, what + "[" + count + "]");
            count++;
        }
        return Arrays.copyOf(values, count);
    }

    private static long nonNegativeLong(JsonParser parser, String what) throws IOException {
        boolean fits = parser.currentToken() == JsonToken.VALUE_NUMBER_INT
                && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
        if (!fits || parser.getLongValue() < 0) {
            throw new SafetensorsException(what + " is " + describe(parser) + ", not a non-negative integer");
        }
        return parser.getLongValue();
    }

    /** The value the parser is on, for a message: scalars as written (cut short), containers by kind. */
    static String describe(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_ARRAY) {
            return "an array";
        }
        if (token == JsonToken.START_OBJECT) {
            return "an object";
        }
        String text = parser.getText();
        // Printable only and cut at whole characters: the message reaches logs and API answers.
        String cut = text.codePoints().limit(QUOTED_CHARS)
                .map(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .append(text.codePointCount(0, text.length()) > QUOTED_CHARS ? "…" : "")
                .toString();
        return token == JsonToken.VALUE_STRING ? "\"" + cut + "\"" : cut;
    }
}
