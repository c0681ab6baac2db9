/**
 * jpac: pixel-adaptive convolution (Su et al., CVPR 2019) for the JVM, over a
 * native core. The exported packages are the public API; {@code org.jpac.internal}
 * (native loading, the call path, memory) and {@code org.jpac.internal.ffi} (the
 * jextract bindings, compiled into this module) are not exported.
 *
 * <p>Run with {@code --enable-native-access=org.jpac} on the module path
 * ({@code ALL-UNNAMED} on the class path).
 */
module org.jpac {
    requires java.desktop;     // ImageIO reads and writes PNG
    requires java.management;  // bench-nets: the thread's allocated bytes
    requires jdk.management;

    exports org.jpac;
    exports org.jpac.model;
    exports org.jpac.nn;
    exports org.jpac.io;
    exports org.jpac.io.images;
    exports org.jpac.train;
    exports org.jpac.golden;
    exports org.jpac.cli;
}
