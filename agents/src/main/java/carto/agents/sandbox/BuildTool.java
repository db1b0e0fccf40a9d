package carto.agents.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How a repository builds and tests: detected from its files (Maven, Gradle, pytest, npm/yarn,
 * go, cargo, make) or given by the user. {@code testCommand} runs the whole suite;
 * {@code selectedTests} runs chosen test files, with {@code {tests}} replaced by their ids.
 */
public record BuildTool(String name, String buildCommand, String testCommand, String selectedTests) {

    /** What to run, as detected in {@code dir}, with the user's overrides (null keeps the detected one). */
    public static BuildTool detect(Path dir, String buildOverride, String testOverride, String selectedOverride) {
        BuildTool d = detect(dir);
        return new BuildTool(d.name(), buildOverride != null ? buildOverride : d.buildCommand(), testOverride != null ? testOverride : d.testCommand(),
                selectedOverride != null ? selectedOverride : testOverride != null && !testOverride.contains("{tests}") ? null : d.selectedTests());
    }

    public static BuildTool detect(Path dir) {
        if (Files.exists(dir.resolve("pom.xml"))) {
            String mvn = Files.exists(dir.resolve("mvnw")) ? "./mvnw" : "mvn";
            return new BuildTool("maven", mvn + " -q -o -B -DskipTests package", mvn + " -q -o -B test",
                    mvn + " -q -o -B test -Dtest={tests} -Dsurefire.failIfNoSpecifiedTests=false -DfailIfNoTests=false");
        }
        if (Files.exists(dir.resolve("build.gradle")) || Files.exists(dir.resolve("build.gradle.kts"))) {
            String g = Files.exists(dir.resolve("gradlew")) ? "./gradlew" : "gradle";
            return new BuildTool("gradle", g + " --offline -q assemble", g + " --offline -q test", g + " --offline -q test {tests}");
        }
        if (Files.exists(dir.resolve("Cargo.toml"))) {
            return new BuildTool("cargo", "cargo build --offline --quiet", "cargo test --offline --quiet", "cargo test --offline --quiet {tests}");
        }
        if (Files.exists(dir.resolve("go.mod"))) {
            return new BuildTool("go", "go build ./...", "go test ./...", "go test {tests}");
        }
        if (Files.exists(dir.resolve("package.json"))) {
            boolean yarn = Files.exists(dir.resolve("yarn.lock"));
            String run = yarn ? "yarn" : "npm";
            return new BuildTool(run, hasScript(dir, "build") ? run + " run build" : null, run + " test", run + " test -- {tests}");
        }
        if (Files.exists(dir.resolve("pyproject.toml")) || Files.exists(dir.resolve("setup.py")) || Files.exists(dir.resolve("pytest.ini"))
                || Files.exists(dir.resolve("setup.cfg")) || Files.exists(dir.resolve("conftest.py")) || hasPythonTests(dir)) {
            return new BuildTool("pytest", null, "python3 -m pytest -q -p no:cacheprovider", "python3 -m pytest -q -p no:cacheprovider {tests}");
        }
        if (Files.exists(dir.resolve("Makefile")) && makeHasTest(dir)) {
            return new BuildTool("make", "make", "make test", null);
        }
        return new BuildTool("unknown", null, null, null);
    }

    /** The command that runs the given tests (ids in this tool's terms: class names, files, packages), or null when it cannot select. */
    public String commandFor(List<String> ids) {
        if (ids.isEmpty() || selectedTests == null) return null;
        // how ids are joined follows the command itself, which may be the user's own template
        String joined;
        if (selectedTests.contains("-Dtest={tests}")) joined = String.join(",", ids);
        else if (selectedTests.matches("(\\./)?gradlew?\\b.*") && !selectedTests.contains("--tests {tests}")) {
            joined = ids.stream().map(i -> "--tests " + quote(i)).collect(Collectors.joining(" "));
        } else joined = ids.stream().map(BuildTool::quote).collect(Collectors.joining(" "));
        return selectedTests.replace("{tests}", joined);
    }

    /** The id a test file has for this tool: a class name for JVM tools, a package for go, the path otherwise. */
    public String testId(String path, String source) {
        String lower = path.toLowerCase(Locale.ROOT);
        if ((name.equals("maven") || name.equals("gradle") || name.equals("unknown")) && (lower.endsWith(".java") || lower.endsWith(".kt"))) {
            String cls = path.substring(path.lastIndexOf('/') + 1).replaceFirst("\\.(java|kt)$", "");
            Matcher m = PACKAGE.matcher(source == null ? "" : source);
            return name.equals("maven") ? cls : m.find() ? m.group(1) + "." + cls : cls;
        }
        if (name.equals("go")) {
            int slash = path.lastIndexOf('/');
            return slash < 0 ? "." : "./" + path.substring(0, slash);
        }
        return path;
    }

    private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;?");

    static String quote(String s) {
        return s.matches("[\\w./:,=+@-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** Whether a path looks like a test in any of the supported ecosystems. */
    public static boolean looksLikeTest(String path) {
        String p = path.replace('\\', '/');
        String file = p.substring(p.lastIndexOf('/') + 1);
        String lower = file.toLowerCase(Locale.ROOT);
        return lower.startsWith("test_") && lower.endsWith(".py") || lower.endsWith("_test.py") || lower.endsWith("_test.go")
                || file.matches(".*(Test|Tests|IT|_TEST)\\.(java|kt)") || lower.matches(".*\\.(test|spec)\\.[jt]sx?")
                || p.contains("/tests/") && lower.endsWith(".rs") || p.startsWith("tests/") && lower.endsWith(".rs")
                || p.contains("/src/test/") || p.startsWith("test/") || p.contains("/test/") || p.startsWith("tests/") || p.contains("/tests/");
    }

    private static boolean hasScript(Path dir, String script) {
        try {
            return Files.readString(dir.resolve("package.json")).contains("\"" + script + "\"");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean makeHasTest(Path dir) {
        try {
            return Files.readString(dir.resolve("Makefile")).lines().anyMatch(l -> l.startsWith("test:") || l.startsWith("check:"));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hasPythonTests(Path dir) {
        try (Stream<Path> s = Files.walk(dir, 4)) {
            return s.filter(p -> !p.toString().contains("/.git/")).anyMatch(p -> {
                String f = p.getFileName().toString();
                return f.startsWith("test_") && f.endsWith(".py") || f.endsWith("_test.py");
            });
        } catch (IOException e) {
            return false;
        }
    }
}
