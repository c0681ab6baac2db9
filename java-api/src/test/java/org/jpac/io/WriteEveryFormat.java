package org.jpac.io;

import java.nio.file.Path;
import java.util.Map;

/**
 * Run in a child JVM by {@link FailedWritesTest}: writes every format of
 * {@link TestWriters} to {@code DIR/existing.<name>}, one line per write:
 * {@code name<TAB>ok} or {@code name<TAB>ExceptionClass: message}.
 */
public final class WriteEveryFormat {

    private WriteEveryFormat() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        for (Map.Entry<String, TestWriters.Writer> e : TestWriters.ALL.entrySet()) {
            String result;
            try {
                e.getValue().write(dir.resolve("existing." + e.getKey()));
                result = "ok";
            } catch (Exception x) {
                result = x.getClass().getSimpleName() + ": " + x.getMessage();
            }
            System.out.println(e.getKey() + "\t" + result);
        }
    }
}
