package carto.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The end-to-end tests of a C program, with SACTOR's semantics: {@code args_exitcode} runs
 * {@code prog INPUT} and wants exit code 0 (or the given one); {@code stdin} feeds
 * {@code INPUT + "\n"}; {@code args} passes INPUT split on whitespace as arguments. Output (stdout
 * and stderr together) is compared after stripping every line.
 */
public record ProgramTests(Feed feed, List<Case> cases) {
    public enum Feed {
        ARGS_EXITCODE, STDIN, ARGS;

        public static Feed parse(String s) {
            try {
                return valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("feed '" + s + "' is not one of args_exitcode, stdin, args");
            }
        }
    }

    /** One test: the input, and the expected exit code or output. */
    public record Case(String input, Integer expectedExitCode, String expectedOutput) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public ProgramTests {
        if (cases.isEmpty()) throw new IllegalArgumentException("a program needs at least one test to verify a translation");
    }

    /** From a task record's {@code feed} and {@code tests}. */
    public static ProgramTests of(JsonNode task) {
        return of(Feed.parse(task.path("feed").asText()), task.path("tests"));
    }

    static ProgramTests of(Feed feed, JsonNode tests) {
        List<Case> cases = new ArrayList<>();
        for (JsonNode t : tests) {
            String expected = t.has("expected_output") ? t.get("expected_output").asText() : t.has("output") ? t.get("output").asText() : null;
            Integer code = t.has("expected_exit_code") ? Integer.valueOf(t.get("expected_exit_code").asInt()) : expected == null ? Integer.valueOf(0) : null;
            String input = t.has("input") ? t.get("input").asText() : t.path("command").asText("").replaceFirst("^%t\\s*", "");
            cases.add(new Case(input, code, expected));
        }
        return new ProgramTests(feed, List.copyOf(cases));
    }

    /**
     * A tests file: {@code {"feed": ..., "tests": [...]}}, or a bare list (SACTOR's generated tests
     * {@code [{"input", "output"}]} or test tasks {@code [{"command": "%t 0"}]}) with {@code feed} given.
     */
    public static ProgramTests read(Path file, String feed) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not a JSON tests file: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (n.isObject()) return of(Feed.parse(feed != null ? feed : n.path("feed").asText("args_exitcode")), n.path("tests"));
        if (n.isArray()) {
            Feed f = feed != null ? Feed.parse(feed) : n.size() > 0 && n.get(0).has("command") ? Feed.ARGS_EXITCODE : null;
            if (f == null) throw new IllegalArgumentException(file + " is a list of tests without their feed; give --feed stdin or --feed args");
            return of(f, n);
        }
        throw new IllegalArgumentException(file + " must hold {\"feed\": ..., \"tests\": [...]} or a list of tests");
    }

    /** The shell command that runs {@code exe} on case {@code i} ({@code dir} holds the stdin files). */
    String command(String exe, int i) {
        Case c = cases.get(i);
        return switch (feed) {
            case ARGS_EXITCODE, ARGS -> exe + " " + String.join(" ", c.input().isBlank() ? List.of() : List.of(c.input().strip().split("\\s+")).stream().map(ProgramTests::quote).toList());
            case STDIN -> exe + " < tests/in" + i + ".txt";
        };
    }

    /** The input file a stdin test reads (input plus a newline), or null. */
    String stdinFile(int i) {
        return feed == Feed.STDIN ? cases.get(i).input() + "\n" : null;
    }

    /** Null when the run passes, otherwise what was wrong. */
    String check(int i, int exitCode, String output) {
        Case c = cases.get(i);
        if (c.expectedOutput() != null) {
            String got = normalize(output), want = normalize(c.expectedOutput());
            if (!got.equals(want)) return "test " + i + " (input " + abbreviate(c.input()) + "): expected output\n" + abbreviate(want) + "\nbut got\n" + abbreviate(got);
            return null;
        }
        int want = c.expectedExitCode() == null ? 0 : c.expectedExitCode();
        return exitCode == want ? null : "test " + i + " (input " + abbreviate(c.input()) + "): expected exit code " + want + " but got " + exitCode
                + (output.isBlank() ? "" : "; output:\n" + abbreviate(output));
    }

    static String normalize(String s) {
        return String.join("\n", s.strip().lines().map(String::strip).toList()).strip();
    }

    private static String abbreviate(String s) {
        return s.length() <= 400 ? s : s.substring(0, 400) + "...";
    }

    static String quote(String s) {
        return s.matches("[\\w./:,=+@-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
