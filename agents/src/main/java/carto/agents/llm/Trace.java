package carto.agents.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Every step of a job, in order: model turns (tokens, time, what it said), tool calls with their
 * arguments and results, checks that ran, and phase changes. Saved with the job and streamed to
 * clients as it grows.
 */
public final class Trace {
    /**
     * One step. {@code kind}: phase, model, tool, check, note, error. For a model turn, {@code prompt} is what the model was
     * given since its previous turn (the whole conversation on the first) and {@code text} its answer. Text fields are
     * truncated for storage.
     */
    public record Step(int index, long timeMillis, String phase, String kind, String title, String prompt, String text, String tool, String arguments,
                       String result, boolean error, int promptTokens, int completionTokens, long durationMillis) {}

    private static final int MAX_TEXT = 16_000;
    private final List<Step> steps = new ArrayList<>();
    private final Consumer<Step> listener;
    private int promptTokens, completionTokens;

    public Trace(Consumer<Step> listener) {
        this.listener = listener == null ? s -> { } : listener;
    }

    public Step add(String phase, String kind, String title, String text, String tool, String arguments, String result,
                    boolean error, int promptTokens, int completionTokens, long durationMillis) {
        return add(phase, kind, title, null, text, tool, arguments, result, error, promptTokens, completionTokens, durationMillis);
    }

    /** A model turn: the prompt it was given, its answer, tokens and time. */
    public Step model(String phase, String title, String prompt, String answer, int promptTokens, int completionTokens, long durationMillis) {
        return add(phase, "model", title, prompt, answer, null, null, null, false, promptTokens, completionTokens, durationMillis);
    }

    private synchronized Step add(String phase, String kind, String title, String prompt, String text, String tool, String arguments, String result,
                                  boolean error, int promptTokens, int completionTokens, long durationMillis) {
        Step s = new Step(steps.size(), System.currentTimeMillis(), phase, kind, title, cut(prompt), cut(text), tool, cut(arguments), cut(result), error,
                promptTokens, completionTokens, durationMillis);
        steps.add(s);
        this.promptTokens += promptTokens;
        this.completionTokens += completionTokens;
        listener.accept(s);
        return s;
    }

    public Step note(String phase, String title, String text) {
        return add(phase, "note", title, text, null, null, null, false, 0, 0, 0);
    }

    public synchronized List<Step> steps() {
        return List.copyOf(steps);
    }

    public synchronized int promptTokens() {
        return promptTokens;
    }

    public synchronized int completionTokens() {
        return completionTokens;
    }

    static String cut(String s) {
        if (s == null || s.length() <= MAX_TEXT) return s;
        return s.substring(0, MAX_TEXT / 2) + "\n[... " + (s.length() - MAX_TEXT) + " characters elided ...]\n" + s.substring(s.length() - MAX_TEXT / 2);
    }
}
