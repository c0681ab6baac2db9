package org.jpac.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.jpac.io.images.Image;
import org.jpac.io.images.Images;
import org.jpac.io.images.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artifacts as an application gets them: a throwaway Maven project that depends on
 * {@code org.jpac:jpac} and {@code org.jpac:jpac:<platform>} (installed into a temporary local
 * repository; every plugin comes from this build's local repository, served as the only remote one, so
 * nothing is downloaded) compiles README's model example as a named module; it then runs on the module
 * path with {@code --enable-native-access=org.jpac} alone and on the class path, and neither the
 * internal packages nor the tools are reachable from it.
 */
class InstalledArtifactsTest {

    private static final String VERSION = System.getProperty("jpac.it.version");
    private static final String PLATFORM = System.getProperty("jpac.it.platform");
    private static final Path ROOT = Path.of(System.getProperty("jpac.it.root")).toAbsolutePath().normalize();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    static Path dir;
    static Path project;
    static List<Path> dependencies;
    static Path data;

    /** Installs the artifacts into a fresh local repository and builds the application with Maven, offline. */
    @BeforeAll
    static void buildTheApplication() throws Exception {
        Path repo = dir.resolve("repo");
        Path jpac = Files.createDirectories(repo.resolve("org/jpac/jpac/" + VERSION));
        Path target = ROOT.resolve("java-api/target");
        copy(target.resolve("jpac-" + VERSION + ".jar"), jpac);
        copy(target.resolve("jpac-" + VERSION + "-" + PLATFORM + ".jar"), jpac);
        Files.copy(ROOT.resolve("java-api/pom.xml"), jpac.resolve("jpac-" + VERSION + ".pom"));
        Path parent = Files.createDirectories(repo.resolve("org/jpac/jpac-parent/" + VERSION));
        Files.copy(ROOT.resolve("pom.xml"), parent.resolve("jpac-parent-" + VERSION + ".pom"));

        project = Files.createDirectories(dir.resolve("app"));
        Path src = Files.createDirectories(project.resolve("src/main/java/example"));
        Files.writeString(project.resolve("src/main/java/module-info.java"), "module example { requires org.jpac; }\n");
        Files.writeString(src.resolve("UpsampleExample.java"), "package example;\n" + readmeExample());
        Files.writeString(src.resolve("Reach.java"), REACH);
        Files.writeString(project.resolve("pom.xml"), pom());
        Path settings = dir.resolve("settings.xml");
        Files.writeString(settings, """
                <settings>
                  <mirrors>
                    <mirror>
                      <id>this-build</id>
                      <mirrorOf>*</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                </settings>
                """.formatted(Path.of(System.getProperty("jpac.it.localRepository")).toUri()));

        Result mvn = run(project, List.of(System.getProperty("jpac.it.maven"), "-B", "-q", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repo, "compile", "dependency:copy-dependencies"), 600);
        assertEquals(0, mvn.code, "the application's Maven build failed:\n" + mvn.out);
        try (Stream<Path> deps = Files.list(project.resolve("target/dependency"))) {
            dependencies = deps.sorted().toList();
        }

        data = Files.createDirectories(dir.resolve("data"));
        int h = 48;
        int w = 64;
        float[] guide = new float[3 * h * w];
        for (int i = 0; i < guide.length; i++) {
            guide[i] = (i % w) < 30 ? 0.25f : 0.75f;
        }
        float[] low = new float[(h / 8) * (w / 8)];
        for (int i = 0; i < low.length; i++) {
            low[i] = (i % (w / 8)) * 8 < 30 ? 2f : 5f;
        }
        Npy.writeArray(data.resolve("guide.npy"), guide, 3, h, w);
        Npy.writeArray(data.resolve("low.npy"), low, h / 8, w / 8);
        Npy.writeArray(data.resolve("scores.npy"), new float[4 * h * w], 4, h, w);
    }

    @Test
    void theApplicationGetsTheLibraryAndItsNativesOnly() {
        List<String> names = dependencies.stream().map(p -> p.getFileName().toString()).toList();
        assertEquals(List.of("jpac-" + VERSION + "-" + PLATFORM + ".jar", "jpac-" + VERSION + ".jar"), names);
    }

    @Test
    void theReadmeExampleRunsOnTheModulePath() throws Exception {
        String modulePath = project.resolve("target/classes") + File.pathSeparator + paths(dependencies);
        Path out = Files.createDirectories(dir.resolve("module-path"));
        Result r = run(project, List.of(JAVA, "--enable-native-access=org.jpac", "-Djpac.cache.dir=" + dir
                .resolve("cache"), "--module-path", modulePath, "-m", "example/example.UpsampleExample",
                data.resolve("guide.npy").toString(), data.resolve("low.npy").toString(), out.resolve("depth.npy")
                        .toString(), data.resolve("scores.npy").toString(), out.resolve("probs.npy").toString()), 300);
        assertEquals(0, r.code, r.out);
        assertFalse(r.out.contains("WARNING"), "one --enable-native-access name should be enough:\n" + r.out);
        checkResults(out);
    }

    @Test
    void theReadmeExampleRunsOnTheClassPath() throws Exception {
        String classPath = project.resolve("target/classes") + File.pathSeparator + paths(dependencies);
        Path out = Files.createDirectories(dir.resolve("class-path"));
        Result r = run(project, List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-Djpac.cache.dir=" + dir
                .resolve("cache"), "-cp", classPath, "example.UpsampleExample", data.resolve("guide.npy").toString(),
                data.resolve("low.npy").toString(), out.resolve("depth.npy").toString(), data.resolve("scores.npy")
                        .toString(), out.resolve("probs.npy").toString()), 300);
        assertEquals(0, r.code, r.out);
        assertFalse(r.out.contains("WARNING"), r.out);
        checkResults(out);
    }

    @Test
    void noInternalPackageIsReachableOnTheModulePath() throws Exception {
        String modulePath = project.resolve("target/classes") + File.pathSeparator + paths(dependencies);
        Result r = run(project, List.of(JAVA, "--enable-native-access=org.jpac", "--module-path", modulePath, "-m",
                "example/example.Reach"), 120);
        assertEquals(0, r.code, r.out);
        for (String name : List.of("org.jpac.internal.NativeLoader", "org.jpac.internal.ffi.JpacNative")) {
            assertTrue(r.out.contains(name + ": IllegalAccessException"), r.out);
        }
        assertTrue(r.out.contains("org.jpac.internal exported: false"), r.out);
        assertTrue(r.out.contains("org.jpac.internal.ffi exported: false"), r.out);
        assertTrue(r.out.contains("org.jpac.cli.Main: ClassNotFoundException"), r.out);
        assertTrue(r.out.contains("org.jpac.train.Trainer: ClassNotFoundException"), r.out);
    }

    @Test
    void noInternalPackageIsReachableAtCompileTime() throws IOException {
        Path src = Files.createDirectories(dir.resolve("bad/src/bad"));
        Files.writeString(src.getParent().resolve("module-info.java"), "module bad { requires org.jpac; }\n");
        Files.writeString(src.resolve("Bad.java"), """
                package bad;
                public class Bad {
                    public static void main(String[] a) {
                        org.jpac.internal.NativeLoader.load();
                        org.jpac.internal.ffi.JpacNative.jpac_version();
                    }
                }
                """);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter log = new StringWriter();
        boolean ok = javac.getTask(log, null, null, List.of("-d", dir.resolve("bad/out").toString(), "--module-path",
                paths(dependencies), "-proc:none"), null, javac.getStandardFileManager(null, null, null)
                .getJavaFileObjects(src.getParent().resolve("module-info.java"), src.resolve("Bad.java"))).call();
        assertFalse(ok, "an application module compiled against jpac's internals");
        assertTrue(log.toString().contains("package org.jpac.internal is not visible"), log.toString());
        assertTrue(log.toString().contains("package org.jpac.internal.ffi is not visible"), log.toString());
    }

    // ---- the application --------------------------------------------------------------------------------

    /** README's example, as ReadmeExampleTest reads it. */
    private static String readmeExample() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int at = readme.indexOf("<!-- readme-example: UpsampleExample -->");
        assertTrue(at >= 0, "README.md has no readme-example marker");
        int start = readme.indexOf("```java\n", at) + "```java\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    /** Tries jpac's internals and tools from the application: each line says what stopped it. */
    private static final String REACH = """
            package example;
            public class Reach {
                public static void main(String[] args) {
                    Module jpac = org.jpac.Jpac.class.getModule();
                    for (String p : new String[] {"org.jpac.internal", "org.jpac.internal.ffi"}) {
                        System.out.println(p + " exported: " + jpac.isExported(p, Reach.class.getModule()));
                    }
                    String[][] tries = {{"org.jpac.internal.NativeLoader", "load"},
                            {"org.jpac.internal.ffi.JpacNative", "jpac_version"},
                            {"org.jpac.cli.Main", "main"}, {"org.jpac.train.Trainer", "toString"}};
                    for (String[] t : tries) {
                        String result;
                        try {
                            Class<?> c = Class.forName(t[0]);
                            java.lang.reflect.Method m = null;
                            for (java.lang.reflect.Method x : c.getMethods()) {
                                if (x.getName().equals(t[1]) && x.getParameterCount() == 0) {
                                    m = x;
                                }
                            }
                            m.invoke(null);
                            result = "reached";
                        } catch (Throwable e) {
                            result = e.getClass().getSimpleName();
                        }
                        System.out.println(t[0] + ": " + result);
                    }
                }
            }
            """;

    private static String pom() {
        StringBuilder plugins = new StringBuilder();
        for (String p : System.getProperty("jpac.it.plugins").split(",")) {
            String[] av = p.split(":");
            plugins.append("""
                          <plugin>
                            <groupId>org.apache.maven.plugins</groupId>
                            <artifactId>%s</artifactId>
                            <version>%s</version>
                          </plugin>
                    """.formatted(av[0], av[1]));
        }
        return """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>uses-jpac</artifactId>
                  <version>1</version>
                  <properties>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                    <maven.compiler.release>25</maven.compiler.release>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>org.jpac</groupId>
                      <artifactId>jpac</artifactId>
                      <version>%1$s</version>
                    </dependency>
                    <dependency>
                      <groupId>org.jpac</groupId>
                      <artifactId>jpac</artifactId>
                      <version>%1$s</version>
                      <classifier>%2$s</classifier>
                      <scope>runtime</scope>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                %3$s    </plugins>
                  </build>
                </project>
                """.formatted(VERSION, PLATFORM, plugins);
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static void checkResults(Path out) throws IOException {
        Image d = Images.read(out.resolve("depth.npy"));
        assertEquals(48, d.height());
        assertEquals(64, d.width());
        assertEquals(2.0, d.get(0, 20, 4), 0.4);
        assertEquals(5.0, d.get(0, 20, 60), 0.4);
        Image p = Images.read(out.resolve("probs.npy"));
        assertEquals(4, p.channels());
        assertEquals(0.25, p.get(2, 10, 10), 1e-4); // equal scores stay equally likely
    }

    private static void copy(Path file, Path toDir) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " missing: package the library first (mvn verify)");
        Files.copy(file, toDir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    private static String paths(List<Path> files) {
        return files.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    private record Result(int code, String out) {
    }

    private static Result run(Path workDir, List<String> command, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workDir.toFile())
                .redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }
}
