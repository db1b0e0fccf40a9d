package carto.agents.resolve;

import java.util.List;

/**
 * What resolving an issue produced: whether it is resolved (a patch whose checks passed, or a
 * grounded answer), the issue type, the unified diff against the base commit, every check with
 * its status and log, the written response, citations for answers, the candidates that were
 * tried, tokens and time.
 */
public record Resolution(boolean resolved, IssueType type, String baseCommit, String diff, List<Check> checks, String response,
                         List<Citation> citations, List<Candidate> candidates, String failure, int promptTokens, int completionTokens,
                         long millis) {
    public enum Status { PASSED, FAILED, NOT_RUN }

    /** One check: name (reproduction, regression, build, full_tests), status, the command, its log, the tests that failed, and a note. */
    public record Check(String name, Status status, String command, String log, List<String> failingTests, String note) {
        public static Check notRun(String name, String why) {
            return new Check(name, Status.NOT_RUN, null, null, List.of(), why);
        }
    }

    /** A file range an answer rests on. */
    public record Citation(String path, int startLine, int endLine) {
        @Override
        public String toString() {
            return path + ":" + startLine + "-" + endLine;
        }
    }

    /** A candidate patch, whether its tests passed, and why it was kept or dropped. */
    public record Candidate(int index, String diff, boolean passed, String verdict) {}

    public Check check(String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }
}
