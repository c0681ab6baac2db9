/**
 * jpac's tools, apart from the library: the command line ({@code org.jpac.cli},
 * run as {@code org.jpac.cli.Main}), training ({@code org.jpac.train}) and the
 * golden runner with the double-precision reference and the conformance suite
 * ({@code org.jpac.golden}).
 *
 * <p>Run with {@code --enable-native-access=org.jpac}: the native calls are the library's.
 */
module org.jpac.tools {
    requires org.jpac;
    requires java.desktop;     // the demo's panels, training images
    requires java.management;  // bench-nets: page faults and allocated bytes
    requires jdk.management;

    exports org.jpac.cli;
    exports org.jpac.train;
    exports org.jpac.golden;
}
