package carto.inference.lm;

import java.util.List;

/** Fill-in-the-middle: text before and after the cursor in the file at {@code path}, plus optional files of the same repository as context. */
public record FimRequest(String prefix, String suffix, String path, String repoName, List<ContextFile> context) {
    /** A file placed before the one being edited (repository-level FIM formats). */
    public record ContextFile(String path, String content) {}

    public FimRequest {
        prefix = prefix == null ? "" : prefix;
        suffix = suffix == null ? "" : suffix;
        context = context == null ? List.of() : List.copyOf(context);
    }

    public static FimRequest of(String prefix, String suffix) {
        return new FimRequest(prefix, suffix, null, null, List.of());
    }
}
