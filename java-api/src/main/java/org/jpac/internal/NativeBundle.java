package org.jpac.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the native libraries of one platform are packed: the folder {@code native/<platform>/} of the
 * classified artifact {@code org.jpac:jpac:<version>:<platform>} (module name
 * {@code org.jpac.natives.<os>.<arch>}), found
 * <ul>
 *   <li>through jpac's class loader: the jar on the class path, or on the module path when the module is
 *       resolved (a folder named {@code native/...} is no package, so no module encapsulates it);</li>
 *   <li>else on the module path ({@code jdk.module.path}) without being resolved: nothing requires the
 *       natives module, so it is read where it lies.</li>
 * </ul>
 * A separate artifact per platform, so that more platforms are added as more classifiers.
 */
abstract class NativeBundle implements AutoCloseable {

    /** The folder inside the jar, with a trailing slash: {@code native/<platform>/}. */
    final String folder;

    private NativeBundle(String folder) {
        this.folder = folder;
    }

    /** The module name of a platform's natives jar, e.g. {@code org.jpac.natives.linux.x86_64}. */
    static String moduleName(String platform) {
        return "org.jpac.natives." + platform.replace('-', '.');
    }

    /**
     * The bundle of {@code platform}, or empty if neither the class loader nor the module path has one;
     * {@code tried} gets a line for each place looked at in vain.
     */
    static Optional<NativeBundle> find(String platform, List<String> tried) {
        String folder = "native/" + platform + "/";
        String index = folder + "libraries.txt";
        ClassLoader loader = NativeLoader.class.getClassLoader();
        URL url = loader == null ? ClassLoader.getSystemResource(index) : loader.getResource(index);
        if (url != null) {
            return Optional.of(new FromClassLoader(folder, loader, url));
        }
        tried.add("no " + index + " on the class path (add the artifact org.jpac:jpac with classifier "
                + platform + ")");
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isBlank()) {
            String name = moduleName(platform);
            List<Path> entries = new ArrayList<>();
            for (String e : modulePath.split(File.pathSeparator)) {
                if (!e.isBlank()) {
                    entries.add(Path.of(e));
                }
            }
            try {
                Optional<ModuleReference> ref = ModuleFinder.of(entries.toArray(Path[]::new)).find(name);
                if (ref.isPresent()) {
                    return Optional.of(new FromModulePath(folder, ref.get()));
                }
                tried.add("no module " + name + " on the module path " + modulePath);
            } catch (RuntimeException e) { // FindException: a broken module path entry
                tried.add("module " + name + " on the module path: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Opens {@code folder + name}; null when the bundle has no such file. */
    abstract InputStream open(String name) throws IOException;

    /** Where the bundle's folder is, as a URL prefix (ends with '/'), for messages. */
    abstract String origin();

    @Override
    public void close() throws IOException {
    }

    private static final class FromClassLoader extends NativeBundle {
        private final ClassLoader loader;
        private final URL index;

        FromClassLoader(String folder, ClassLoader loader, URL index) {
            super(folder);
            this.loader = loader;
            this.index = index;
        }

        @Override
        InputStream open(String name) {
            return loader == null ? ClassLoader.getSystemResourceAsStream(folder + name)
                    : loader.getResourceAsStream(folder + name);
        }

        @Override
        String origin() {
            String s = index.toString();
            return s.substring(0, s.length() - "libraries.txt".length());
        }
    }

    private static final class FromModulePath extends NativeBundle {
        private final ModuleReference ref;
        private ModuleReader reader;

        FromModulePath(String folder, ModuleReference ref) {
            super(folder);
            this.ref = ref;
        }

        @Override
        synchronized InputStream open(String name) throws IOException {
            if (reader == null) {
                reader = ref.open();
            }
            return reader.open(folder + name).orElse(null);
        }

        @Override
        String origin() {
            String at = ref.location().map(Object::toString).orElse("module:" + ref.descriptor().name() + "/");
            return at.endsWith("/") ? at + folder : "jar:" + at + "!/" + folder;
        }

        @Override
        public synchronized void close() throws IOException {
            if (reader != null) {
                reader.close();
            }
        }
    }
}
