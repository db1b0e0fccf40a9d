package carto.agents;

import carto.inference.lm.CancelToken;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.Completion;
import carto.inference.lm.FimRequest;
import carto.inference.lm.FinishReason;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.TokenSink;
import carto.inference.lm.ToolSpec;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A language model that replays a fixed conversation through the real text tool protocol: for
 * each phase (recognized by a marker in its prompt, e.g. the name of the phase's finishing tool)
 * the n-th model turn of the conversation gets the n-th scripted reply (the last one repeats).
 * Replies are text, exactly as a model without native tool calls would write them.
 */
public final class ScriptedModel implements LanguageModel {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, List<String>> script = new LinkedHashMap<>();
    private final List<String> seen = new ArrayList<>();
    private volatile long delayMillis;

    /** Adds the replies for the phase whose system or first user message contains {@code marker}. */
    public ScriptedModel on(String marker, String... replies) {
        script.put(marker, List.of(replies));
        return this;
    }

    /** Each turn takes this long (cancellation tests), checking for cancellation meanwhile. */
    public ScriptedModel delay(long millis) {
        this.delayMillis = millis;
        return this;
    }

    /** A tool call in the text protocol, with the arguments JSON-encoded. */
    public static String call(String name, Map<String, ?> arguments) {
        try {
            return "<tool_call>" + JSON.writeValueAsString(Map.of("name", name, "arguments", arguments)) + "</tool_call>";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The markers of the phases the model was asked in, in order, one per turn. */
    public synchronized List<String> seen() {
        return List.copyOf(seen);
    }

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public int contextLength() {
        return 32768;
    }

    @Override
    public int countTokens(String text) {
        return text == null ? 0 : text.length() / 4 + 1;
    }

    @Override
    public boolean supportsFim() {
        return false;
    }

    @Override
    public boolean supportsNativeTools() {
        return false;
    }

    @Override
    public Completion complete(String prompt, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        return chat(List.of(ChatMessage.user(prompt)), List.of(), options, sink, cancel);
    }

    @Override
    public Completion chat(List<ChatMessage> messages, List<ToolSpec> tools, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        String head = messages.stream().filter(m -> m.role() != ChatMessage.Role.ASSISTANT).limit(2).map(ChatMessage::content).reduce("", String::concat);
        int turn = (int) messages.stream().filter(m -> m.role() == ChatMessage.Role.ASSISTANT).count();
        String reply = "I do not know.";
        for (var e : script.entrySet()) {
            if (head.contains(e.getKey())) {
                List<String> r = e.getValue();
                reply = r.get(Math.min(turn, r.size() - 1));
                synchronized (this) {
                    seen.add(e.getKey());
                }
                break;
            }
        }
        long end = System.currentTimeMillis() + delayMillis;
        while (System.currentTimeMillis() < end && !cancel.isCancelled()) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int prompt = messages.stream().mapToInt(m -> countTokens(m.content())).sum();
        return new Completion(reply, FinishReason.STOP, prompt, countTokens(reply), Duration.ofMillis(delayMillis), List.of());
    }

    @Override
    public Completion fillInMiddle(FimRequest request, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        throw new UnsupportedOperationException("the scripted model does not fill in the middle");
    }

    @Override
    public void close() {
    }
}
