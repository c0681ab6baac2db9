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
    requires java.management;  // the memory pool's default limit: the machine's memory
    requires jdk.management;

    exports org.jpac;
    exports org.jpac.grad;
    exports org.jpac.model;
    exports org.jpac.nn;
    exports org.jpac.io;
    exports org.jpac.io.images;

    // For jpac's own command line, training and golden runner (artifact jpac-tools) alone.
    exports org.jpac.internal to org.jpac.tools;
}
