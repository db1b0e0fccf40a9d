package carto.agents.eval;

import carto.agents.sandbox.SandboxException;
import carto.agents.sandbox.Worktree;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Issue-resolution tasks from a dataset: the QuixBugs layout (a folder with tasks.jsonl and the
 * programs, turned into one git repository) or a JSONL of SWE-bench-style tasks (repository path,
 * base commit, problem statement, test command, FAIL_TO_PASS and PASS_TO_PASS test ids).
 */
public final class IssueTasks {
    /**
     * One task: the repository and base commit, the issue text, the command whose success decides
     * the verdict (run on the patched tree, outside the agent's reach), and the command the agent's
     * regression check may use (null: the agent selects tests itself).
     */
    public record Task(String id, Path repo, String baseCommit, String title, String body, String verdictCommand, String regressionCommand) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private IssueTasks() {}

    /** Tasks of a dataset folder or JSONL file; {@code filter} keeps ids containing it (null: all); {@code workDir} receives generated repositories. */
    public static List<Task> load(Path dataset, Path workDir, String filter, String javaClasspath) throws IOException {
        List<Task> all;
        if (Files.isDirectory(dataset) && Files.exists(dataset.resolve("tasks.jsonl")) && Files.isDirectory(dataset.resolve("java_programs"))) {
            all = quixbugs(dataset, workDir, javaClasspath);
        } else if (Files.isRegularFile(dataset) && dataset.toString().endsWith(".jsonl")) {
            all = sweJsonl(dataset);
        } else {
            throw new IllegalArgumentException(dataset + " is neither a QuixBugs folder (tasks.jsonl, java_programs/, python_programs/) "
                    + "nor a .jsonl file of SWE-bench-style tasks");
        }
        if (filter == null || filter.isBlank()) return all;
        String f = filter.toLowerCase(Locale.ROOT);
        return all.stream().filter(t -> t.id().toLowerCase(Locale.ROOT).contains(f)).toList();
    }

    /** QuixBugs: the folder becomes one git repository under {@code workDir}; each task fixes one program. */
    public static List<Task> quixbugs(Path dataset, Path workDir, String javaClasspath) throws IOException {
        Path repo = workDir.resolve("quixbugs");
        if (!Files.isDirectory(repo.resolve(".git"))) {
            copyTree(dataset, repo);
            Worktree.git(repo, "init", "-q");
            Worktree.git(repo, "-c", "user.email=eval@carto.invalid", "-c", "user.name=carto eval", "add", "-A");
            Worktree.git(repo, "-c", "user.email=eval@carto.invalid", "-c", "user.name=carto eval", "commit", "-q", "-m", "QuixBugs base");
        }
        String head = Worktree.git(repo, "rev-parse", "HEAD").strip();
        String cp = javaClasspath != null ? javaClasspath : junitClasspath();
        List<Task> tasks = new ArrayList<>();
        for (String line : Files.readAllLines(dataset.resolve("tasks.jsonl"))) {
            if (line.isBlank()) continue;
            JsonNode t = JSON.readTree(line);
            String file = t.path("buggy_file").asText();
            String name = file.substring(file.lastIndexOf('/') + 1).replaceFirst("\\.\\w+$", "");
            String cmd;
            if (t.path("lang").asText().equals("java")) {
                if (cp == null) continue; // no JUnit 4 to run Java tasks with
                cmd = "mkdir -p /tmp/quix-classes && javac -nowarn -encoding UTF-8 -d /tmp/quix-classes -cp " + cp
                        + " java_programs/*.java java_testcases/junit/*.java && java -cp /tmp/quix-classes:" + cp
                        + " org.junit.runner.JUnitCore " + t.path("test_class").asText();
            } else {
                cmd = t.path("test_cmd").asText();
            }
            String body = "The function " + name.toLowerCase(Locale.ROOT) + " in " + file + " does not do what its specification says: "
                    + "its tests fail. Find the bug (it is a small mistake in one line) and fix it.\n"
                    + "Tests: " + cmd.substring(cmd.lastIndexOf(' ') + 1);
            tasks.add(new Task(t.path("id").asText(), repo, head, name + " returns wrong results", body, cmd, cmd));
        }
        return tasks;
    }

    /**
     * SWE-bench-style JSONL: {@code repo} (a local git repository path), {@code base_commit},
     * {@code problem_statement}, {@code test_command} (with {@code {tests}} for the test ids),
     * {@code FAIL_TO_PASS} and {@code PASS_TO_PASS} (arrays or JSON-encoded arrays).
     */
    public static List<Task> sweJsonl(Path file) throws IOException {
        List<Task> tasks = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            if (line.isBlank()) continue;
            JsonNode t = JSON.readTree(line);
            String where = file + " line " + n;
            String repo = need(t, "repo", where);
            Path repoPath = Path.of(repo);
            if (!repoPath.isAbsolute()) repoPath = file.toAbsolutePath().getParent().resolve(repo).normalize();
            List<String> tests = new ArrayList<>(ids(t.get("FAIL_TO_PASS")));
            tests.addAll(ids(t.get("PASS_TO_PASS")));
            String template = need(t, "test_command", where);
            String verdict = template.contains("{tests}") ? template.replace("{tests}", String.join(" ", tests.stream().map(IssueTasks::quote).toList())) : template;
            String statement = need(t, "problem_statement", where);
            String title = statement.lines().findFirst().orElse("").strip();
            List<String> pass = ids(t.get("PASS_TO_PASS"));
            String regression = pass.isEmpty() ? null : template.contains("{tests}")
                    ? template.replace("{tests}", String.join(" ", pass.stream().map(IssueTasks::quote).toList())) : null;
            tasks.add(new Task(t.path("instance_id").asText(t.path("id").asText("task-" + n)), repoPath, t.path("base_commit").asText(null),
                    title, statement, verdict, regression));
        }
        return tasks;
    }

    private static String need(JsonNode t, String field, String where) {
        String v = t.path(field).asText(null);
        if (v == null || v.isBlank()) throw new IllegalArgumentException(where + " has no \"" + field + "\"");
        return v;
    }

    private static List<String> ids(JsonNode n) throws IOException {
        if (n == null || n.isNull()) return List.of();
        if (n.isTextual()) n = JSON.readTree(n.asText());
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static String quote(String s) {
        return s.matches("[\\w./:,=+@\\[\\]-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** JUnit 4.13.2 and hamcrest-core 1.3 from the local Maven repository, or null when they are not there. */
    public static String junitClasspath() {
        Path m2 = Path.of(System.getProperty("user.home"), ".m2", "repository");
        Path junit = m2.resolve("junit/junit/4.13.2/junit-4.13.2.jar");
        Path hamcrest = m2.resolve("org/hamcrest/hamcrest-core/1.3/hamcrest-core-1.3.jar");
        return Files.isRegularFile(junit) && Files.isRegularFile(hamcrest) ? junit + ":" + hamcrest : null;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (SandboxException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
