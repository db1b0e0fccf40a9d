package carto.api.cli;

import carto.inference.lm.CancelToken;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.Completion;
import carto.inference.lm.FimRequest;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.sample.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "generate", description = "Generate text from a prompt, streaming to the terminal (Ctrl-C stops).")
public final class GenerateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PROMPT", description = "The prompt (for --fim-suffix: the text before the cursor).")
    String prompt;

    @Mixin
    ModelOptions model;

    @Option(names = "--max-tokens", defaultValue = "256")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 for greedy (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "40")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95")
    double topP;

    @Option(names = "--min-p", defaultValue = "0.05")
    double minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0")
    double repeatPenalty;

    @Option(names = "--seed", description = "Sampling seed (default: random).")
    Long seed;

    @Option(names = "--stop", description = "Stop string (repeatable).")
    List<String> stop = List.of();

    @Option(names = "--chat", description = "Send the prompt as a user message through the model's chat template.")
    boolean chat;

    @Option(names = "--system", description = "System message for --chat.")
    String system;

    @Option(names = "--fim-suffix", paramLabel = "TEXT", description = "Fill in the middle: PROMPT is the text before the cursor, this the text after.")
    String fimSuffix;

    @Option(names = "--stats", description = "Print token counts and speed to stderr.")
    boolean stats;

    @Override
    public Integer call() {
        long s = seed != null ? seed : new java.util.SplittableRandom().nextLong();
        SamplingParams p = new SamplingParams(temperature, topK, topP, minP, repeatPenalty, 64, s);
        GenerationOptions o = new GenerationOptions(maxTokens, p, stop);
        CancelToken cancel = new CancelToken();
        Thread hook = new Thread(cancel::cancel);
        Runtime.getRuntime().addShutdownHook(hook);
        try (LanguageModel lm = model.open()) {
            Completion c;
            if (fimSuffix != null) {
                c = lm.fillInMiddle(FimRequest.of(prompt, fimSuffix), o, this::print, cancel);
            } else if (chat) {
                List<ChatMessage> msgs = system == null ? List.of(ChatMessage.user(prompt)) : List.of(ChatMessage.system(system), ChatMessage.user(prompt));
                c = lm.chat(msgs, List.of(), o, this::print, cancel);
            } else {
                c = lm.complete(prompt, o, this::print, cancel);
            }
            System.out.println();
            if (stats) {
                System.err.println(String.format(Locale.ROOT, "[%d prompt tokens, %d generated, %.2f tok/s, %s]", c.promptTokens(), c.completionTokens(),
                        c.tokensPerSecond(), c.finishReason().wireName()));
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
        return 0;
    }

    private void print(String text) {
        System.out.print(text);
        System.out.flush();
    }
}
