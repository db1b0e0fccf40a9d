package carto.inference.lm;

/** Test access to package-private parsing of the local model. */
public final class LocalLanguageModelAccess {
    private LocalLanguageModelAccess() {}

    public static Completion extract(Completion c) {
        return LocalLanguageModel.extractToolCalls(c);
    }
}
