package org.jpac.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.jpac.TestSupport;
import org.jpac.io.images.Image;
import org.jpac.io.images.Images;
import org.jpac.io.images.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's model example, taken from README.md as it stands, compiled and run on generated files. */
class ReadmeExampleTest {

    private static final String MARKER = "<!-- readme-example: UpsampleExample -->";

    /** The ```java block after the marker. */
    static String example() throws IOException {
        String readme = Files.readString(TestSupport.repoRoot().resolve("README.md"));
        int at = readme.indexOf(MARKER);
        assertTrue(at >= 0, "README.md has no " + MARKER);
        int start = readme.indexOf("```java\n", at) + "```java\n".length();
        int end = readme.indexOf("```", start);
        return readme.substring(start, end);
    }

    @Test
    void theReadmeModelExampleCompilesAndRuns(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/UpsampleExample.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, example());
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter log = new StringWriter();
        boolean ok = javac.getTask(log, null, null, List.of("-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path"), "-proc:none"), null,
                javac.getStandardFileManager(null, null, null).getJavaFileObjects(src)).call();
        assertTrue(ok, "the README example does not compile:\n" + log);

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
        float[] scores = new float[4 * h * w];
        Path g = dir.resolve("guide.npy");
        Path l = dir.resolve("low.npy");
        Path s = dir.resolve("scores.npy");
        Npy.writeArray(g, guide, 3, h, w);
        Npy.writeArray(l, low, h / 8, w / 8);
        Npy.writeArray(s, scores, 4, h, w);
        Path depth = dir.resolve("depth.npy");
        Path probs = dir.resolve("probs.npy");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Method main = loader.loadClass("UpsampleExample").getMethod("main", String[].class);
            main.invoke(null, (Object) new String[] {g.toString(), l.toString(), depth.toString(), s.toString(),
                    probs.toString()});
        }
        Image d = Images.read(depth);
        assertEquals(h, d.height());
        assertEquals(w, d.width());
        assertEquals(2.0, d.get(0, 20, 4), 0.4);
        assertEquals(5.0, d.get(0, 20, 60), 0.4);
        Image p = Images.read(probs);
        assertNotNull(p);
        assertEquals(4, p.channels());
        assertEquals(0.25, p.get(2, 10, 10), 1e-4); // equal scores stay equally likely
    }
}
