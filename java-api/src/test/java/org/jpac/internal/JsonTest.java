package org.jpac.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesValues() {
        Map<String, Object> m = Json.parseObject(
                "{\"a\": 1, \"b\": [2, 3.5, -1e3], \"c\": {\"d\": true, \"e\": null}, \"f\": \"x\\\"y\\u0041\"}");
        assertEquals(1L, m.get("a"));
        assertEquals(List.of(2L, 3.5, -1000.0), m.get("b"));
        assertEquals(Boolean.TRUE, ((Map<?, ?>) m.get("c")).get("d"));
        assertEquals("x\"yA", m.get("f"));
        assertEquals("{}", Json.parseObject(" {} ").toString());
    }

    @Test
    void rejectsBadInput() {
        for (String s : new String[] {"", "{", "{\"a\":}", "{\"a\":1,}", "[1 2]", "{\"a\":1}x", "tru", "\"\\q\"",
                "{\"a\":1,\"a\":2}", "[".repeat(1000), "1.2.3", "-", "{1:2}"}) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(s), s);
        }
    }

    @Test
    void quoteRoundTrips() {
        String s = "a\"b\\c\n\u0001";
        assertEquals(s, Json.parse(Json.quote(s)));
    }
}
