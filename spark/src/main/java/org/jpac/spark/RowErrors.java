package org.jpac.spark;

/** The message a failed row carries in its error column. */
final class RowErrors {

    private RowErrors() {
    }

    /** One line: the exception's type and message (IO errors already name the value). */
    static String message(Exception e) {
        String m = e.getMessage();
        String type = e.getClass().getSimpleName();
        String line = m == null ? type : type + ": " + m;
        return line.replaceAll("\\s+", " ").trim();
    }
}
