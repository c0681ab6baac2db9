package org.jpac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jpac on the module path: only the API packages are exported (not
 * org.jpac.internal, not the raw bindings), an application module cannot
 * compile against the internals, and the library runs there.
 */
class ModuleDescriptorTest {

    private static final Path CLASSES = TestSupport.repoRoot().resolve("java-api/target/classes");
    /** Where the build stages the native libraries for the classified jar. */
    private static final Path NATIVES = TestSupport.repoRoot().resolve("java-api/target/natives");

    @Test
    void onlyTheApiPackagesAreExported() {
        ModuleDescriptor jpac = ModuleFinder.of(CLASSES).find("org.jpac").orElseThrow().descriptor();
        Set<String> exported = jpac.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertTrue(exported.containsAll(Set.of("org.jpac", "org.jpac.grad", "org.jpac.model", "org.jpac.nn",
                "org.jpac.io", "org.jpac.io.images")), exported
                .toString());
        assertFalse(exported.stream().anyMatch(p -> p.startsWith("org.jpac.internal")), exported.toString());
        // org.jpac.internal only for jpac's own tools (jpac-tools), nothing else to anyone.
        for (ModuleDescriptor.Exports e : jpac.exports()) {
            if (e.isQualified()) {
                assertEquals("org.jpac.internal", e.source(), e.toString());
                assertEquals(Set.of("org.jpac.tools"), e.targets(), e.toString());
            }
        }
        // The jextract bindings are part of this module (one name for --enable-native-access), unexported.
        assertTrue(jpac.packages().contains("org.jpac.internal.ffi"), jpac.packages().toString());
        assertTrue(jpac.exports().stream().noneMatch(e -> e.source().equals("org.jpac.internal.ffi")), jpac
                .exports().toString());
        assertTrue(jpac.requires().stream().noneMatch(r -> r.name().startsWith("org.jpac")), jpac.requires()
                .toString());
    }

    @Test
    void anApplicationModuleCannotUseTheInternals(@TempDir Path dir) throws IOException {
        Path src = dir.resolve("src/app");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("module-info.java"), "module app { requires org.jpac; }\n");
        Files.writeString(src.resolve("app/Uses.java"), """
                package app;
                public class Uses {
                    public static void main(String[] a) {
                        org.jpac.Tensor.allocate(2).close();
                        org.jpac.internal.NativeLoader.load();
                        org.jpac.internal.ffi.JpacNative.jpac_version();
                    }
                }
                """);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter log = new StringWriter();
        boolean ok = javac.getTask(log, null, null, List.of("-d", dir.resolve("out").toString(), "--module-path",
                CLASSES.toString(), "-proc:none"), null, javac.getStandardFileManager(null, null, null)
                .getJavaFileObjects(src.resolve("module-info.java"), src.resolve("app/Uses.java"))).call();
        assertFalse(ok, "an application compiled against org.jpac.internal");
        assertTrue(log.toString().contains("package org.jpac.internal is not visible"), log.toString());
        assertTrue(log.toString().contains("package org.jpac.internal.ffi is not visible"), log.toString());
    }

    @Test
    void theLibraryRunsOnTheModulePathWithOneNativeAccessName(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/app");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("module-info.java"), "module app { requires org.jpac; }\n");
        Files.writeString(src.resolve("app/Run.java"), """
                package app;
                import org.jpac.*;
                public class Run {
                    public static void main(String[] a) {
                        try (Tensor x = Tensor.allocate(1, 2, 5, 5); Tensor w = Tensor.allocate(3, 2, 3, 3);
                             Tensor y = Pac.stdConv2d(x, w, null, PacOptions.builder(3).padding(1).build())) {
                            System.out.println("cpu " + Jpac.backend().isCpu() + ", output " + y.shape()[1]);
                        }
                    }
                }
                """);
        Path out = dir.resolve("out");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter log = new StringWriter();
        assertTrue(javac.getTask(log, null, null, List.of("-d", out.toString(), "--module-path", CLASSES.toString(),
                "-proc:none"), null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(src.resolve(
                        "module-info.java"), src.resolve("app/Run.java"))).call(), log.toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The native libraries (the classified jar's content) on the class path, the library on the module path.
        Process p = new ProcessBuilder(java, "--enable-native-access=org.jpac",
                "-Djpac.cache.dir=" + TestSupport.repoRoot().resolve("java-api/target/native-cache"),
                "--module-path", out + File.pathSeparator + CLASSES, "-cp", NATIVES.toString(), "-m", "app/app.Run")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("cpu true, output 3"), output);
        assertFalse(output.contains("WARNING"), "restricted-method warnings on the module path: " + output);
    }
}
