package com.cryptomaltese.gateway.engine.gguf;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A metadata array as the header holds it, with the GGUF type of its elements: llama.cpp reads
 * some arrays (token scores, token types) as raw memory of one type, so what the elements are
 * matters beyond their values.
 */
public final class GgufArray extends AbstractList<Object> implements RandomAccess {

    /** GGUF's value types, in the order of their ids. */
    public enum Type { UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 }

    private final Type elementType;
    private final List<Object> values;

    public GgufArray(Type elementType, List<Object> values) {
        this.elementType = elementType;
        this.values = List.copyOf(values);
    }

    public Type elementType() {
        return elementType;
    }

    @Override
    public Object get(int index) {
        return values.get(index);
    }

    @Override
    public int size() {
        return values.size();
    }
}
