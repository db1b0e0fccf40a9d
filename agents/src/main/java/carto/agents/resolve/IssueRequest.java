package carto.agents.resolve;

import java.time.Duration;
import java.util.List;

/**
 * An issue to resolve and how: its text, its type (null: classify it), the checks to run,
 * build/test command overrides (null: detected), the regression command (literal, or a template
 * whose {@code {tests}} receives the test files selected from the graph), how many candidate patches to try when no
 * reproduction test can be made, the base commit (null: the ingested one), a token budget and
 * a time limit per command.
 */
public record IssueRequest(String title, String body, List<String> comments, IssueType type, Checks checks, String buildCommand,
                           String testCommand, String regressionCommand, int candidates, String baseCommit, int maxTokens,
                           Duration commandTimeout) {
    /** Which checks run: reproduction test, selected regression tests, the build, the full test suite. */
    public record Checks(boolean reproduction, boolean regression, boolean build, boolean fullTests) {
        public static final Checks DEFAULT = new Checks(true, true, false, false);
    }

    public IssueRequest {
        if ((title == null || title.isBlank()) && (body == null || body.isBlank())) {
            throw new IllegalArgumentException("the issue needs a title or a body");
        }
        title = title == null ? "" : title.strip();
        body = body == null ? "" : body;
        comments = comments == null ? List.of() : List.copyOf(comments);
        checks = checks == null ? Checks.DEFAULT : checks;
        if (candidates < 1 || candidates > 10) throw new IllegalArgumentException("candidates must be between 1 and 10, got " + candidates);
        if (maxTokens < 0) throw new IllegalArgumentException("max_tokens must not be negative");
        commandTimeout = commandTimeout == null ? Duration.ofMinutes(10) : commandTimeout;
    }

    public static IssueRequest of(String title, String body) {
        return new IssueRequest(title, body, List.of(), null, Checks.DEFAULT, null, null, null, 3, null, 200_000, null);
    }

    /** The issue as the agents read it. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        if (!title.isBlank()) sb.append("Title: ").append(title).append('\n');
        if (!body.isBlank()) sb.append(body.strip()).append('\n');
        for (int i = 0; i < comments.size(); i++) sb.append("\nComment ").append(i + 1).append(":\n").append(comments.get(i).strip()).append('\n');
        return sb.toString();
    }
}
