package org.jpac.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

import org.jpac.fuzz.BoundedCall;
import org.jpac.fuzz.FuzzSettings;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Fuzzes the command line with random and mutated argument vectors: the
 * option parsers (every command's options, then every typed accessor on the
 * values, and {@code train upsample}'s whole configuration) may only report
 * usage errors; and {@link Main#run} on the commands that read their inputs
 * before any work ({@code upsample}, {@code crf}, {@code filter}, {@code eval},
 * {@code verify}) must end in a help text, a usage error (exit 2, whenever the
 * command's parser refuses the options) or a failure (exit 1), reported as a
 * {@code jpac ...} line (verify: its summary) without a stack trace. No input
 * file offered is a valid one, so no case reaches the expensive part of a
 * command or writes anything.
 */
@AddLifecycleHook(FuzzSettings.class)
class CliArgumentsFuzzTest {

    /** Parsing allocates little; a command that gets as far as building a network allocates some MiB. */
    private static final long ALLOCATION_LIMIT = 64L << 20;

    /** A command's parser and options. */
    private record Command(String name, Set<String> valued, Set<String> flags, boolean ownParser) {
        Command {
            valued = Set.copyOf(valued);
            flags = Set.copyOf(flags);
        }

        List<String> options() {
            return new ArrayList<>(new TreeSet<>(union(valued, flags)));
        }
    }

    private static final List<Command> PARSED = List.of(
            args(new UpsampleCommand()), args(new CrfCommand()), args(new FilterCommand()), args(new DemoCommand()),
            args(new BenchNetsCommand()),
            new Command("train upsample", TrainCommand.VALUED, TrainCommand.FLAGS, true),
            new Command("train crf", TrainCommand.CRF_VALUED, TrainCommand.CRF_FLAGS, true),
            new Command("eval", EvalCommand.VALUED, EvalCommand.FLAGS, true));

    /** The commands run end to end: each reads its inputs first and fails fast on the files offered here. */
    private static final Set<String> FAIL_FAST = Set.of("upsample", "crf", "filter", "eval");

    private static final String[] NUMBERS = {
        "0", "1", "2", "3", "7", "8", "16", "64", "65", "255", "256", "-1", "-8", "0.5", "1e-9", "1e309", "NaN",
        "Infinity", "-Infinity", "-0", " 8", "8 ", "2147483647", "2147483648", "-2147483649", "9223372036854775808",
        "0x10", "8.0", "", "1,2", "0,0", "1,NaN", "1,2,3", ",", "8x8", "96x128", "0x0", "4097x8", "x", "8x", "-8x-8",
    };
    private static final String[] CHOICES = {
        "pac", "lite", "djif", "jbu", "bilinear", "PAC", "auto", "hwc", "chw", "HWC", "8", "16", "adam", "sgd",
        "upsample", "crf", "model",
    };
    private static final String[] ODD_OPTIONS = {"--bogus", "-", "--", "-x", "---out", "--OUT", "--=", "=--out",
        "--quiet"};

    private static final Path DIR = createDir();
    /** Paths of no valid input: missing, empty, text, corrupt, directories, outputs in a missing folder. */
    private static final List<String> PATHS = files();

    // ---- the option parsers ---------------------------------------------------------

    @Property(tries = 8000)
    void optionParsersOnlyReportUsageErrors(@ForAll("parserCases") Tuple.Tuple2<Command, List<String>> c) {
        Command cmd = c.get1();
        String[] argv = c.get2().toArray(String[]::new);
        Throwable t = BoundedCall.run("parse " + cmd.name() + " " + String.join(" ", argv), ALLOCATION_LIMIT,
                () -> {
                    exercise(Args.parse(argv, cmd.valued(), flagsOf(cmd)), cmd);
                });
        if (t != null && !isUsageError(t)) {
            throw new AssertionError(cmd.name() + " " + List.of(argv) + ": the parser threw " + t, t);
        }
        Statistics.label("outcome").collect(t == null ? "parsed" : "usage error");
    }

    /** Every accessor on every option; each may only return or report a usage error. */
    private static void exercise(Args a, Command cmd) {
        for (String n : cmd.valued()) {
            usage(() -> a.string(n));
            usage(() -> a.required(n));
            usage(() -> a.requiredPath(n));
            usage(() -> a.path(n));
            usage(() -> a.integer(n, 1, 1, 4096));
            usage(() -> a.positive(n, 1, false));
            usage(() -> a.positive(n, 0, true));
            usage(() -> a.numbers(n, null, 2));
            usage(() -> a.choice(n, null, "pac", "jbu"));
            usage(() -> a.string(n, null));
            usage(() -> a.longValue(n, 1));
            usage(() -> a.number(n, 0.5, 0, 10));
            usage(() -> a.choice(n, null, List.of("adam", "sgd")));
        }
        if (cmd.name().equals("train upsample")) {
            usage(() -> TrainCommand.config(a)); // the whole validation of a training run, without running it
        }
        usage(() -> CliImages.bitsOption(a));
        usage(() -> CliImages.layoutOption(a));
    }

    /** The flags a command's parser takes: train and eval list --quiet themselves, the others get it added. */
    private static Set<String> flagsOf(Command c) {
        return c.ownParser() ? c.flags() : union(c.flags(), Set.of("--quiet"));
    }

    /** Runs an accessor: a usage error is its documented answer to a bad value; anything else propagates. */
    private static void usage(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            if (!isUsageError(e)) {
                throw e;
            }
        }
    }

    private static boolean isUsageError(Throwable t) {
        return t instanceof CliException c && c.exitCode() == 2;
    }

    @Provide
    Arbitrary<Tuple.Tuple2<Command, List<String>>> parserCases() {
        return Arbitraries.of(PARSED).flatMap(c -> argv(c).map(a -> Tuple.of(c, a)));
    }

    // ---- the command line end to end ----------------------------------------------------

    @Property(tries = 3000)
    void commandsFailWithOneLineAndAnExitCode(@ForAll("commandLines") List<String> argv) {
        String[] a = argv.toArray(String[]::new);
        AtomicReference<Cli.Result> result = new AtomicReference<>();
        Throwable t = BoundedCall.run("jpac " + String.join(" ", argv), ALLOCATION_LIMIT,
                () -> result.set(Cli.run(a)));
        if (t != null) {
            throw new AssertionError("jpac " + argv + " threw " + t, t);
        }
        Cli.Result r = result.get();
        String err = r.err();
        boolean help = argv.contains("-h") || argv.contains("--help") || !argv.isEmpty() && argv.get(0).equals("help");
        check(r.code() == 1 || r.code() == 2 || (r.code() == 0 && help), argv, r, "exit code " + r.code());
        check(!err.contains("\tat ") && !err.contains("Exception"), argv, r, "a stack trace or exception name");
        if (r.code() != 0) {
            boolean verifySummary = r.out().lines().anyMatch(l -> l.matches("\\d+ passed, \\d+ failed"));
            check(verifySummary || !r.errorLines().isEmpty() && r.errorLines().get(0).startsWith("jpac"), argv, r,
                    "no 'jpac ...' error line");
        }
        if (!help && parsesWithUsageError(argv)) {
            check(r.code() == 2, argv, r, "a usage error that does not exit with 2");
        }
        Statistics.label("exit code").collect(r.code());
    }

    /** Whether the command's own parser refuses the options: then the exit code must be 2. */
    private static boolean parsesWithUsageError(List<String> argv) {
        if (argv.isEmpty()) {
            return true; // no command at all is a usage error too
        }
        String[] rest = argv.subList(1, argv.size()).toArray(String[]::new);
        for (Command c : PARSED) {
            if (c.name().equals(argv.get(0))) {
                try {
                    Args.parse(rest, c.valued(), flagsOf(c));
                    return false;
                } catch (RuntimeException e) {
                    return isUsageError(e);
                }
            }
        }
        return false;
    }

    private static void check(boolean ok, List<String> argv, Cli.Result r, String what) {
        if (!ok) {
            throw new AssertionError("jpac " + argv + ": " + what + "\nexit " + r.code() + "\nstderr: " + r.err()
                    + "\nstdout: " + r.out());
        }
    }

    @Provide
    Arbitrary<List<String>> commandLines() {
        Arbitrary<List<String>> commands = Arbitraries.of(PARSED.stream().filter(c -> FAIL_FAST.contains(c.name()))
                .toList()).flatMap(c -> argv(c).map(a -> prepend(c.name(), a)));
        // verify's folder: the temporary one (a corrupt case in it), a file, or nothing that exists; at least
        // one argument, since `verify` alone runs the whole conformance suite (real work, tested elsewhere)
        Arbitrary<List<String>> verify = Arbitraries.oneOf(Arbitraries.of(PATHS), randomWord()).list().ofMinSize(1)
                .ofMaxSize(3).map(a -> prepend("verify", a));
        // no command, help, an unknown command, train without a task: none runs anything
        Arbitrary<List<String>> other = Combinators.combine(
                Arbitraries.of("help", "--help", "-h", "", "uspample", "train", "--quiet", "(none)"),
                Arbitraries.of(union(Set.of(ODD_OPTIONS), Set.of("--help", "-h"))).list().ofMaxSize(2))
                .as((c, a) -> c.equals("(none)") ? a : prepend(c, a));
        return Arbitraries.frequencyOf(Tuple.of(8, commands), Tuple.of(1, verify), Tuple.of(1, other));
    }

    // ---- argument vectors -----------------------------------------------------------------

    /** A plausible command line with up to three edits, or a random one. */
    private static Arbitrary<List<String>> argv(Command c) {
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.of(Edit.Kind.values()),
                Arbitraries.integers().between(0, 20), piece(c), value()).as(Edit::new);
        Arbitrary<List<String>> edited = edit.list().ofMaxSize(3).map(edits -> {
            List<List<String>> pieces = new ArrayList<>(template(c));
            edits.forEach(e -> e.apply(pieces));
            return pieces.stream().flatMap(List::stream).toList();
        });
        return Arbitraries.frequencyOf(Tuple.of(2, edited), Tuple.of(1, pieces(c, 10)));
    }

    /** Edits an option ({@code --name value} or a flag) of a command line as a user might get it wrong. */
    private record Edit(Kind kind, int at, List<String> piece, String value) {
        enum Kind {
            /** Leaves the option out. */
            DROP,
            /** Gives it another value. */
            VALUE,
            /** Adds another option. */
            INSERT,
            /** Gives the option twice. */
            REPEAT,
            /** Writes it as --name=value. */
            JOIN,
            /** Leaves out its value. */
            BREAK
        }

        void apply(List<List<String>> pieces) {
            if (pieces.isEmpty()) {
                pieces.add(piece);
                return;
            }
            int i = at % pieces.size();
            List<String> p = pieces.get(i);
            switch (kind) {
                case DROP -> pieces.remove(i);
                case VALUE -> pieces.set(i, p.size() == 2 ? List.of(p.get(0), value) : p);
                case INSERT -> pieces.add(i, piece);
                case REPEAT -> pieces.add(i, p);
                case JOIN -> pieces.set(i, List.of(String.join("=", p)));
                case BREAK -> pieces.set(i, List.of(p.get(0)));
            }
        }
    }

    /** Options that get each command past its parser: the inputs offered are still all unreadable. */
    private static List<List<String>> template(Command c) {
        String text = DIR.resolve("text.png").toString();
        String corrupt = DIR.resolve("corrupt.png").toString();
        String out = DIR.resolve("out.png").toString();
        String weights = DIR.resolve("bad.safetensors").toString();
        return switch (c.name()) {
            case "upsample" -> List.of(List.of("--guide", corrupt), List.of("--low", text), List.of("--factor", "8"),
                    List.of("--model", "pac"), List.of("--out", out), List.of("--bits", "16"),
                    List.of("--jbu-kernel", "31"), List.of("--depth-scale", "1000"));
            case "crf" -> List.of(List.of("--image", corrupt), List.of("--unary", DIR.resolve("corrupt.npy")
                    .toString()), List.of("--out", out), List.of("--steps", "5"), List.of("--pairwise-weights", "1,2"),
                    List.of("--scale-space", "1"), List.of("--labels"));
            case "filter" -> List.of(List.of("--in", text), List.of("--sigma-space", "2"),
                    List.of("--sigma-color", "0.1"), List.of("--out", out), List.of("--kernel-size", "5"),
                    List.of("--npy-layout", "hwc"), List.of("--quiet"));
            case "eval" -> List.of(List.of("--weights", weights), List.of("--model", "pac"), List.of("--factor", "8"),
                    List.of("--count", "2"), List.of("--crop", "16"), List.of("--synthetic"));
            case "train upsample" -> List.of(List.of("--factor", "8"), List.of("--model", "pac"),
                    List.of("--epochs", "1"), List.of("--out", DIR.resolve("m.safetensors").toString()),
                    List.of("--crop", "64"), List.of("--lr", "0.001"), List.of("--lr-gamma", "0.5"),
                    List.of("--residual"));
            case "train crf" -> List.of(List.of("--steps", "0"), List.of("--size", "8x8"), List.of("--held-out", "1"),
                    List.of("--lr", "0.1"));
            case "demo" -> List.of(List.of("--out", DIR.toString()), List.of("--weights", weights));
            default -> List.of(List.of("--runs", "1"), List.of("--warmup", "0"), List.of("--only", "crf"),
                    List.of("--markdown"));
        };
    }

    /** Options of the command with values, bare, as --name=value, and stray words. */
    private static Arbitrary<List<String>> pieces(Command c, int maxPieces) {
        return piece(c).list().ofMaxSize(maxPieces).map(l -> l.stream().flatMap(List::stream).toList());
    }

    /** One option with a value, bare, as --name=value, or a stray word. */
    private static Arbitrary<List<String>> piece(Command c) {
        Arbitrary<String> option = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of(c.options())),
                Tuple.of(1, Arbitraries.of(ODD_OPTIONS)));
        return Arbitraries.frequencyOf(
                Tuple.of(6, Combinators.combine(option, value()).as((o, v) -> List.of(o, v))),
                Tuple.of(2, option.map(List::of)),
                Tuple.of(2, Combinators.combine(option, value()).as((o, v) -> List.of(o + "=" + v))),
                Tuple.of(1, value().map(List::of)));
    }

    private static Arbitrary<String> value() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(NUMBERS)),
                Tuple.of(2, Arbitraries.of(CHOICES)),
                Tuple.of(3, Arbitraries.of(PATHS)),
                Tuple.of(2, randomWord()));
    }

    private static Arbitrary<String> randomWord() {
        return Arbitraries.strings().ofMaxLength(16).filter(CliArgumentsFuzzTest::namesNothing);
    }

    /** Random words never name an existing file or folder (".", "src", ...): nothing may be read from them. */
    private static boolean namesNothing(String s) {
        try {
            return !s.isEmpty() && !Files.exists(Path.of(s));
        } catch (InvalidPathException e) {
            return true;
        }
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> l = new ArrayList<>(List.of(first));
        l.addAll(rest);
        return l;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return s;
    }

    private static Command args(CliCommand c) {
        return new Command(c.name(), c.valued(), c.flags(), false);
    }

    @AfterContainer
    static void removeFiles() throws IOException {
        try (var files = Files.walk(DIR)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static Path createDir() {
        try {
            Path d = Files.createTempDirectory("jpac-cli-fuzz");
            d.toFile().deleteOnExit();
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> files() {
        try {
            Files.write(DIR.resolve("empty.png"), new byte[0]);
            Files.writeString(DIR.resolve("text.png"), "not an image");
            byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
            Files.write(DIR.resolve("corrupt.png"), png);
            Files.write(DIR.resolve("corrupt.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 2, 0});
            Files.write(DIR.resolve("bad.safetensors"), "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
            Files.createDirectories(DIR.resolve("folder.png"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> l = new ArrayList<>();
        for (String name : List.of("missing.png", "missing.npy", "empty.png", "text.png", "corrupt.png",
                "corrupt.npy", "bad.safetensors", "folder.png", "out.png", "out.npy", "out.pfm", "out.txt",
                "no-such-folder/out.png")) {
            l.add(DIR.resolve(name).toString());
        }
        l.add(DIR.toString());
        return l;
    }
}
