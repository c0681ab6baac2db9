package org.jpac.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jpac.TestSupport;
import org.junit.jupiter.api.Test;

/**
 * Every function the C header declares ({@code JPAC_API ... name(...)}) has a
 * generated method in JpacNative with the same number of parameters. The
 * header path comes from property {@code jpac.header} (default:
 * repo-root/native/include/jpac.h). JpacNative is inspected without being
 * initialised, so this needs no native library.
 */
class BindingsTest {

    private static final Pattern DECL = Pattern.compile("JPAC_API\\s+[^;{(]*?\\b(\\w+)\\s*\\(([^)]*)\\)");

    static Map<String, Integer> declaredFunctions(Path header) throws IOException {
        String text = Files.readString(header)
                .replaceAll("(?s)/\\*.*?\\*/", " ")
                .replaceAll("//[^\n]*", " ")
                .replaceAll("(?m)^\\s*#.*$", " "); // preprocessor lines (the JPAC_API definition itself)
        Map<String, Integer> fns = new LinkedHashMap<>();
        Matcher m = DECL.matcher(text);
        while (m.find()) {
            String params = m.group(2).trim();
            int n = params.isEmpty() || params.equals("void") ? 0 : params.split(",").length;
            fns.put(m.group(1), n);
        }
        return fns;
    }

    @Test
    void everyDeclaredFunctionIsBound() throws Exception {
        Path header = TestSupport.headerPath();
        assertTrue(Files.isRegularFile(header), "header not found: " + header + " (set -Djpac.header=...)");
        Map<String, Integer> fns = declaredFunctions(header);
        assertTrue(fns.size() >= 20, "expected the header's ~27 functions, parsed " + fns.keySet());
        Class<?> bindings = Class.forName("org.jpac.internal.ffi.JpacNative", false,
                BindingsTest.class.getClassLoader());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Integer> f : fns.entrySet()) {
            Method found = null;
            for (Method m : bindings.getMethods()) {
                if (m.getName().equals(f.getKey()) && Modifier.isStatic(m.getModifiers())
                        && m.getParameterCount() == f.getValue()) {
                    found = m;
                }
            }
            if (found == null) {
                problems.add(f.getKey() + "(" + f.getValue() + " parameters)");
            }
        }
        assertEquals(List.of(), problems, "functions declared in " + header + " without a JpacNative method");
    }

    @Test
    void headerParserSeesEveryOperation() throws Exception {
        Map<String, Integer> fns = declaredFunctions(TestSupport.headerPath());
        for (String op : RawCalls.functions()) {
            assertTrue(fns.containsKey(op), op + " is called by RawCalls but not declared in the header");
        }
        assertEquals(0, fns.get("jpac_last_error"));
        assertEquals(3, fns.get("jpac_backend_available"));
    }
}
