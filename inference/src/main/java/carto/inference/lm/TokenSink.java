package carto.inference.lm;

/** Receives generated text as it is produced (complete UTF-8 characters, stop strings already held back). */
@FunctionalInterface
public interface TokenSink {
    void accept(String text);

    TokenSink NONE = t -> { };
}
