package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Expected values are Python's repr(float), which json.dumps uses. */
class PyJsonTest {

    @Test
    void floatsAreWrittenLikePythonRepr() {
        assertThat(PyJson.floatRepr(0.1)).isEqualTo("0.1");
        assertThat(PyJson.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PyJson.floatRepr(1e-05)).isEqualTo("1e-05");
        assertThat(PyJson.floatRepr(-2.5e-10)).isEqualTo("-2.5e-10");
        assertThat(PyJson.floatRepr(123456789012345.0)).isEqualTo("123456789012345.0");
        assertThat(PyJson.floatRepr(1e16)).isEqualTo("1e+16");
        assertThat(PyJson.floatRepr(3.0)).isEqualTo("3.0");
    }
}
