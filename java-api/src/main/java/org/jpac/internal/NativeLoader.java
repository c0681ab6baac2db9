package org.jpac.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Loads the native core ({@code libjpac} and the libraries it needs) into the process, once.
 *
 * <p>Order, first success wins:
 * <ol>
 *   <li>System property {@value #LIBRARY_PATH_PROPERTY}: a directory holding {@code libjpac.so} and its
 *       dependencies (e.g. a CMake build's {@code build/native/lib}). When set, it is the only place tried:
 *       loading from it succeeds or {@link #load()} fails. If the directory has a {@code libraries.txt}
 *       its load order is used, else {@code libgomp.so.1} and {@code libdnnl.so.3} (each if present),
 *       then {@code libjpac.so}.</li>
 *   <li>The libraries of the classified artifact {@code org.jpac:jpac:<version>:<os>-<arch>} (see
 *       {@link NativeBundle}: on the class path or the module path), under {@code native/<os>-<arch>/},
 *       listed in load order in {@code native/<os>-<arch>/libraries.txt}. They are extracted together, under their own names, into
 *       one versioned directory {@code <cache>/<version>-<hash of the index>/} (written to a temporary
 *       directory, then renamed into place, so concurrent processes never see a half-written one), and
 *       {@link System#load} is called on each in order. {@code <cache>} is the system property
 *       {@value #CACHE_DIR_PROPERTY} if set, else {@code ${user.home}/.cache/jpac}; if that cannot be
 *       written, {@code ${java.io.tmpdir}/jpac-${user.name}}. Files marked {@code extract-only} (the CUDA
 *       backend) are extracted but not loaded: libjpac loads them itself from its own directory. Where
 *       each library came from and the cache folder are logged once ({@code System.Logger} "org.jpac"):
 *       at INFO when this process unpacked them, else at DEBUG.</li>
 *   <li>{@code System.loadLibrary("jpac")}: the JVM's {@code java.library.path}.</li>
 * </ol>
 * If nothing works, {@link UnsatisfiedLinkError} lists every place tried and why it failed.
 *
 * <p>{@link System#load} registers the libraries with this class's class loader, which is what
 * {@code SymbolLookup.loaderLookup()} in the generated bindings searches: the bindings are compiled into
 * the same module and jar as this class, so they share its class loader.
 *
 * <p>Thread-safe; {@link #load()} is idempotent and cheap after the first success.
 */
public final class NativeLoader {

    /** System property: a directory to load the native libraries from (and nowhere else). */
    public static final String LIBRARY_PATH_PROPERTY = "jpac.library.path";
    /** System property: the root of the extraction cache (default {@code ${user.home}/.cache/jpac}). */
    public static final String CACHE_DIR_PROPERTY = "jpac.cache.dir";

    private static final String INDEX_NAME = "libraries.txt";
    private static final String EXTRACT_ONLY = "extract-only";
    private static final int HASH_CHARS = 16;

    private static volatile String loadedFrom;
    private static volatile Path libraryDirectory;

    private NativeLoader() {
    }

    /**
     * Loads the native libraries if this has not succeeded before.
     *
     * @throws UnsatisfiedLinkError naming every path tried and why each failed
     */
    public static synchronized void load() {
        if (loadedFrom != null) {
            return;
        }
        checkCpuIsaEnvironment(System.getenv("JPAC_CPU_ISA"));
        OpenMpWaitPolicy.apply(); // libgomp reads it once, when it loads
        String platform = platform();
        List<String> tried = new ArrayList<>();

        // (1) An explicit directory: load from it or fail.
        String explicit = System.getProperty(LIBRARY_PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path dir = Path.of(explicit.trim()).toAbsolutePath().normalize();
            try {
                loadFromDirectory(dir);
                succeed(dir, dir + " (-D" + LIBRARY_PATH_PROPERTY + ")");
                return;
            } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
                tried.add("-D" + LIBRARY_PATH_PROPERTY + "=" + explicit + ": " + describe(e));
                throw failure(platform, tried, "-D" + LIBRARY_PATH_PROPERTY
                        + " is set, so no other location was tried.");
            }
        }

        // (2) The libraries bundled in the jar.
        if (loadBundled(platform, tried)) {
            return;
        }

        // (3) The system library path.
        try {
            System.loadLibrary("jpac");
            succeed(null, "java.library.path (System.loadLibrary(\"jpac\"))");
            return;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            tried.add("System.loadLibrary(\"jpac\") with java.library.path="
                    + System.getProperty("java.library.path") + ": " + describe(e));
        }
        throw failure(platform, tried, "Set -D" + LIBRARY_PATH_PROPERTY
                + "=<directory with " + System.mapLibraryName("jpac") + "> to use a local build.");
    }

    /**
     * JPAC_CPU_ISA, which libjpac reads when it loads, must name an ISA it knows: it ignores anything
     * else, so a typo would leave the widest ISA in use without a word.
     */
    static void checkCpuIsaEnvironment(String value) {
        if (value != null && !value.isEmpty() && !List.of("avx512", "avx2", "generic").contains(value)) {
            throw new IllegalArgumentException("JPAC_CPU_ISA: expected avx512, avx2 or generic, got '" + value + "'");
        }
    }

    /**
     * Where the native libraries were loaded from: a directory followed by how it was chosen, or
     * {@code java.library.path}; {@code null} before a successful {@link #load()}.
     */
    public static String loadedFrom() {
        return loadedFrom;
    }

    /**
     * The directory the native libraries were loaded from, or {@code null} when not loaded yet or when
     * they came from the system library path.
     */
    public static Path libraryDirectory() {
        return libraryDirectory;
    }

    /** {@code <os>-<arch>}: the natives' classifier and folder {@code native/<os>-<arch>/}, e.g. {@code linux-x86_64}. */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o;
        if (os.contains("linux")) {
            o = "linux";
        } else if (os.contains("mac") || os.contains("darwin")) {
            o = "macos";
        } else if (os.contains("windows")) {
            o = "windows";
        } else {
            o = os.replaceAll("[^a-z0-9]+", "");
        }
        String a = switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch.replaceAll("[^a-z0-9_]+", "");
        };
        return o + "-" + a;
    }

    private static void succeed(Path dir, String description) {
        libraryDirectory = dir;
        loadedFrom = description;
        // Once per process: where the native code came from is the first thing to know when it misbehaves
        // (the bundled libraries get a fuller report, file by file, from report()).
        System.getLogger("org.jpac").log(System.Logger.Level.DEBUG, "jpac native libraries loaded from " + description);
    }

    // ---- (1) a directory -------------------------------------------------------------------------------

    private static void loadFromDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("not a directory");
        }
        List<String> order = new ArrayList<>();
        Path indexFile = dir.resolve(INDEX_NAME);
        if (Files.isRegularFile(indexFile)) {
            for (Entry e : Index.parse(Files.readAllBytes(indexFile), indexFile.toString()).entries) {
                if (e.load) {
                    order.add(e.name);
                }
            }
        } else {
            for (String dep : List.of("libgomp.so.1", "libdnnl.so.3")) {
                if (Files.isRegularFile(dir.resolve(dep))) {
                    order.add(dep);
                }
            }
            order.add(System.mapLibraryName("jpac"));
        }
        for (String name : order) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                throw new IOException("no " + name + " in " + dir);
            }
        }
        loadAll(dir, order);
    }

    private static void loadAll(Path dir, List<String> names) {
        for (String name : names) {
            Path file = dir.resolve(name).toAbsolutePath();
            try {
                System.load(file.toString());
            } catch (UnsatisfiedLinkError e) {
                UnsatisfiedLinkError wrapped = new UnsatisfiedLinkError("System.load(" + file + ") failed: "
                        + e.getMessage());
                wrapped.initCause(e);
                throw wrapped;
            }
        }
    }

    // ---- (2) the jar -----------------------------------------------------------------------------------

    private static boolean loadBundled(String platform, List<String> tried) {
        Optional<NativeBundle> found = NativeBundle.find(platform, tried);
        if (found.isEmpty()) {
            return false;
        }
        try (NativeBundle bundle = found.get()) {
            return loadBundled(bundle, tried);
        } catch (IOException e) { // closing the module reader
            tried.add("bundled libraries: " + describe(e));
            return loadedFrom != null;
        }
    }

    private static boolean loadBundled(NativeBundle bundle, List<String> tried) {
        String base = bundle.origin();
        byte[] rawIndex;
        try (InputStream in = bundle.open(INDEX_NAME)) {
            if (in == null) {
                tried.add("bundled libraries: no " + INDEX_NAME + " in " + base);
                return false;
            }
            rawIndex = in.readAllBytes();
        } catch (IOException e) {
            tried.add("bundled libraries: cannot read " + INDEX_NAME + " in " + base + ": " + describe(e));
            return false;
        }

        Index index;
        String key;
        try {
            index = Index.parse(rawIndex, base + INDEX_NAME);
            key = sanitize(version(index)) + "-" + contentHash(index, rawIndex, bundle);
        } catch (IOException | RuntimeException e) {
            tried.add("bundled libraries: " + base + INDEX_NAME + ": " + describe(e));
            return false;
        }

        for (Path root : cacheRoots()) {
            Path target = root.resolve(key);
            Path dir;
            boolean extracted;
            try {
                extracted = !isComplete(target, index);
                dir = extract(index, bundle, root, target);
            } catch (IOException | RuntimeException e) {
                tried.add("bundled libraries: extracting " + base + " to " + target + ": " + describe(e));
                continue; // next cache root
            }
            try {
                List<String> order = new ArrayList<>();
                for (Entry e : index.entries) {
                    if (e.load) {
                        order.add(e.name);
                    }
                }
                loadAll(dir, order);
                succeed(dir, dir + " (extracted from " + base + ")");
                report(extracted, index, base, root, dir);
                return true;
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                // Not worth trying another copy of the same files: the next one would fail the same way.
                tried.add("bundled libraries extracted to " + dir + ": " + describe(e)
                        + " (if that directory is on a noexec file system, set -D" + CACHE_DIR_PROPERTY + ")");
                return false;
            }
        }
        return false;
    }

    /**
     * Says once where each library came from and where the cache is: at INFO when this process unpacked
     * them (tens of MB written to disk deserve a word), else at DEBUG.
     */
    private static void report(boolean extracted, Index index, String origin, Path root, Path dir) {
        long bytes = index.entries.stream().mapToLong(e -> Math.max(0, e.size)).sum();
        StringBuilder sb = new StringBuilder("jpac native libraries ").append(extracted ? "unpacked" : "found")
                .append(" in ").append(dir).append(" (").append(bytes >> 20).append(" MiB):");
        for (Entry e : index.entries) {
            sb.append("\n  ").append(e.name).append(e.load ? "" : " (loaded by libjpac when needed)")
                    .append(" <- ").append(origin).append(e.name);
        }
        sb.append("\n  cache folder ").append(root).append(": set -D").append(CACHE_DIR_PROPERTY)
                .append("=<dir> to use another; delete it to reclaim the space (unpacked again on next use)");
        System.getLogger("org.jpac").log(extracted ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
                sb.toString());
    }

    private static List<Path> cacheRoots() {
        List<Path> roots = new ArrayList<>();
        String configured = System.getProperty(CACHE_DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            roots.add(Path.of(configured.trim()));
        } else {
            String home = System.getProperty("user.home");
            if (home != null && !home.isBlank() && !home.equals("?")) {
                roots.add(Path.of(home, ".cache", "jpac"));
            }
        }
        String tmp = System.getProperty("java.io.tmpdir");
        if (tmp != null && !tmp.isBlank()) {
            String user = sanitize(System.getProperty("user.name", "user"));
            roots.add(Path.of(tmp, "jpac-" + user));
        }
        List<Path> absolute = new ArrayList<>();
        for (Path r : roots) {
            Path a = r.toAbsolutePath().normalize();
            if (!absolute.contains(a)) {
                absolute.add(a);
            }
        }
        return absolute;
    }

    /** Makes {@code target} hold every file of the index, extracting them if needed; returns it. */
    private static Path extract(Index index, NativeBundle bundle, Path root, Path target) throws IOException {
        if (isComplete(target, index)) {
            return target;
        }
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, "." + target.getFileName() + ".tmp-");
        try {
            setReadableExecutable(tmp);
            for (Entry e : index.entries) {
                Path file = tmp.resolve(e.name);
                MessageDigest sha = sha256();
                long size;
                try (InputStream raw = bundle.open(e.name)) {
                    if (raw == null) {
                        throw new IOException(bundle.origin() + e.name + " listed in " + INDEX_NAME
                                + " is missing");
                    }
                    try (InputStream in = new DigestInputStream(raw, sha);
                         OutputStream out = Files.newOutputStream(file)) {
                        size = in.transferTo(out);
                    }
                }
                if (e.size >= 0 && size != e.size) {
                    throw new IOException(e.name + ": extracted " + size + " bytes, index says " + e.size);
                }
                if (e.sha256 != null && !HexFormat.of().formatHex(sha.digest()).equalsIgnoreCase(e.sha256)) {
                    throw new IOException(e.name + ": SHA-256 differs from the index (corrupt jar?)");
                }
                setReadableExecutable(file);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException moveFailed) {
                if (isComplete(target, index)) {
                    return target; // another process got there first
                }
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw moveFailed;
                }
                // A damaged directory under our name: move it aside, then put ours in place.
                Path stale = root.resolve("." + target.getFileName() + ".stale-" + System.nanoTime());
                Files.move(target, stale, StandardCopyOption.ATOMIC_MOVE);
                deleteRecursively(stale);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException again) {
                    if (!isComplete(target, index)) {
                        throw again;
                    }
                }
            }
            return target;
        } finally {
            deleteRecursively(tmp);
        }
    }

    private static boolean isComplete(Path dir, Index index) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try {
            for (Entry e : index.entries) {
                Path f = dir.resolve(e.name);
                if (!Files.isRegularFile(f) || (e.size >= 0 && Files.size(f) != e.size)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void setReadableExecutable(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: the defaults will do
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    private static String version(Index index) {
        if (index.version != null) {
            return index.version;
        }
        String v = NativeLoader.class.getPackage().getImplementationVersion();
        return v != null ? v : "unversioned";
    }

    /**
     * Hash naming the cache directory: of the index when it records every file's SHA-256 (it then pins
     * the contents), else of the files themselves.
     */
    private static String contentHash(Index index, byte[] rawIndex, NativeBundle bundle) throws IOException {
        MessageDigest sha = sha256();
        sha.update(rawIndex);
        boolean pinned = index.entries.stream().allMatch(e -> e.sha256 != null);
        if (!pinned) {
            byte[] buffer = new byte[1 << 16];
            for (Entry e : index.entries) {
                try (InputStream in = bundle.open(e.name)) {
                    if (in == null) {
                        throw new IOException(bundle.origin() + e.name + " listed in " + INDEX_NAME
                                + " is missing");
                    }
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sha.update(buffer, 0, n);
                    }
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, HASH_CHARS);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static String sanitize(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    // ---- errors ----------------------------------------------------------------------------------------

    private static String describe(Throwable t) {
        String m = t.getMessage();
        String s = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
        if (t.getCause() != null && t.getCause() != t && t.getCause().getMessage() != null
                && (m == null || !m.contains(t.getCause().getMessage()))) {
            s += " (caused by " + describe(t.getCause()) + ")";
        }
        return s;
    }

    private static UnsatisfiedLinkError failure(String platform, List<String> tried, String hint) {
        StringBuilder sb = new StringBuilder("jpac: cannot load the native library ")
                .append(System.mapLibraryName("jpac")).append(" for ").append(platform)
                .append(". Tried, in order:");
        int i = 1;
        for (String t : tried) {
            sb.append("\n  ").append(i++).append(". ").append(t);
        }
        sb.append("\n").append(hint);
        return new UnsatisfiedLinkError(sb.toString());
    }

    // ---- libraries.txt ---------------------------------------------------------------------------------

    /** One library of the index: its file name, size and SHA-256 when known, and whether Java loads it. */
    private record Entry(String name, long size, String sha256, boolean load) {
    }

    /**
     * {@code libraries.txt}: {@code #} comments, an optional {@code @version <v>} line, then one line per
     * library in load order: {@code <file> [<size> [<sha256>]] [extract-only]}.
     */
    private record Index(String version, List<Entry> entries) {

        static Index parse(byte[] raw, String where) throws IOException {
            String version = null;
            List<Entry> entries = new ArrayList<>();
            int lineNo = 0;
            for (String line : new String(raw, StandardCharsets.UTF_8).split("\\R")) {
                lineNo++;
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#")) {
                    continue;
                }
                String[] f = s.split("\\s+");
                if (f[0].equals("@version")) {
                    if (f.length != 2) {
                        throw new IOException(where + ":" + lineNo + ": expected '@version <version>'");
                    }
                    version = f[1];
                    continue;
                }
                String name = f[0];
                if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                    throw new IOException(where + ":" + lineNo + ": bad library name '" + name + "'");
                }
                boolean load = true;
                int n = f.length;
                if (n > 1 && f[n - 1].equals(EXTRACT_ONLY)) {
                    load = false;
                    n--;
                }
                long size = -1;
                String sha = null;
                try {
                    if (n > 1) {
                        size = Long.parseLong(f[1]);
                    }
                } catch (NumberFormatException e) {
                    throw new IOException(where + ":" + lineNo + ": bad size '" + f[1] + "'");
                }
                if (n > 2) {
                    sha = f[2];
                    if (!sha.matches("[0-9a-fA-F]{64}")) {
                        throw new IOException(where + ":" + lineNo + ": bad SHA-256 '" + sha + "'");
                    }
                }
                if (n > 3) {
                    throw new IOException(where + ":" + lineNo + ": unexpected '" + f[3] + "'");
                }
                entries.add(new Entry(name, size, sha, load));
            }
            if (entries.stream().noneMatch(Entry::load)) {
                throw new IOException(where + ": lists no library to load");
            }
            return new Index(version, List.copyOf(entries));
        }
    }
}
