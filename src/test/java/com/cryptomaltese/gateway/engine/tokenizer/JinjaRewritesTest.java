package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the rewrites leave alone (their effect is held against transformers by ChatTemplateGoldenTest):
 * text inside string literals, tests with an argument, simple named arguments.
 */
class JinjaRewritesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "`{{ 'not a is defined' }}`|`{{  'not a is defined'  }}`",
            "`{{ \"x[::-1]\" ~ 'f(a=b - 1)' }}`|`{{  \"x[::-1]\" ~ 'f(a=b - 1)'  }}`",
            "`{{ not x is sameas false }}`|`{{  not x is sameas false  }}`",
            "`{{ not x is divisibleby(3) }}`|`{{  not x is divisibleby(3)  }}`",
            "`{{ m | tojson(indent=4) }}`|`{{  m | tojson(indent=4)  }}`",
            "`{{ f(a=b, c='d') }}`|`{{  f(a=b, c='d')  }}`",
            "`{{ not x is defined and y }}`|`{{  not (x is defined) and y  }}`",
            "`{{ not m['k'] is not none }}`|`{{  not (m['k'] is not none)  }}`",
            "`{{ f(n=a - 1, m=2) }}`|`{{  f(n=(a - 1), m=2)  }}`",
            "`{{ f(x)[::-1] }}`|`{{  (f(x)|py_reversed_slice)  }}`",
            "`{% macro f(x, n=1 + 1) %}{% endmacro %}`|`{%  macro f(x, n=1 + 1)  %}{%  endmacro  %}`",
            "`{% call(a=b - 1) f() %}{% endcall %}`|`{%  call(a=b - 1) f()  %}{%  endcall  %}`"})
    void rewritesOnlyWhatJinjavaReadsOtherwise(String jinja, String jinjava) {
        assertThat(JinjaSource.toJinjava(jinja)).isEqualTo(jinjava);
    }
}
