package carto.ingest;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What an ingest did: files by language, what was skipped and why, what changed, and what was written.
 * {@code syntaxErrors} are the (added or changed) code files with a syntax error, each with where its
 * first one is; {@code parseErrors} is how many. {@code redoneUnfinished}: the last ingest of the
 * repository did not finish (killed half-way), so this one wrote it afresh. {@code filesRead}: the
 * files read from disk; the others were unchanged (size and time) since this process read them.
 */
public record IngestSummary(String repoId, String path, String commit, int files, long lines, Map<String, Integer> filesByLanguage,
                            Map<String, Integer> unparsedByExtension, List<Skip> skipped, int ignoredByGitignore, List<String> skippedFolders,
                            int added, int changed, int deleted, int unchanged, int resolvedFiles, int parseErrors, List<Skip> syntaxErrors,
                            long nodesWritten, long edgesWritten, long semanticEdges, Duration time, Map<String, Double> phaseSeconds,
                            boolean redoneUnfinished, int filesRead) {

    /** A file that was not (fully) ingested. */
    public record Skip(String path, String reason) {}

    /** The summary as text, the way the command line prints it. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Ingested %s (%s)%s%n", repoId, path, commit == null ? "" : " at commit " + commit.substring(0, Math.min(12, commit.length()))));
        sb.append(String.format("  %,d files, %,d lines in %.2f s%n", files, lines, time.toMillis() / 1000.0));
        if (redoneUnfinished) sb.append("  the last ingest of this repository did not finish (interrupted?): ingested afresh\n");
        sb.append(String.format("  changes: %d added, %d changed, %d deleted, %d unchanged (%d re-resolved)%n", added, changed, deleted, unchanged, resolvedFiles));
        if (filesRead < files) sb.append(String.format("  %,d files read (the others unchanged in size and time since this process read them)%n", filesRead));
        sb.append("  files by language:");
        filesByLanguage.forEach((l, n) -> sb.append(' ').append(l).append('=').append(n));
        sb.append('\n');
        if (!unparsedByExtension.isEmpty()) {
            sb.append("  kept without a parser (searchable as text):");
            unparsedByExtension.forEach((e, n) -> sb.append(' ').append(e).append('=').append(n));
            sb.append('\n');
        }
        sb.append(String.format("  written: %,d nodes, %,d edges (%,d semantic)%n", nodesWritten, edgesWritten, semanticEdges));
        if (parseErrors > 0) {
            sb.append(String.format("  %d files have syntax errors (partial AST kept, marked error=true):%n", parseErrors));
            list(sb, syntaxErrors);
        }
        if (ignoredByGitignore > 0) sb.append(String.format("  %d paths ignored by .gitignore%n", ignoredByGitignore));
        for (String f : skippedFolders) sb.append("  skipped folder ").append(f).append('\n');
        if (!skipped.isEmpty()) {
            sb.append(String.format("  %d files skipped or not fully ingested:%n", skipped.size()));
            list(sb, skipped);
        }
        return sb.toString();
    }

    /** The first 50 files with their reasons, then how many more there are. */
    private static void list(StringBuilder sb, List<Skip> files) {
        int shown = 0;
        for (Skip s : files) {
            if (shown++ == 50) {
                sb.append(String.format("    ... and %d more%n", files.size() - 50));
                break;
            }
            sb.append("    ").append(s.path()).append(": ").append(s.reason()).append('\n');
        }
    }
}
