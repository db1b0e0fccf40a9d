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
    private final List<List<ChatMessage>> conversations = new ArrayList<>();
    private volatile long delayMillis;
    private boolean nativeTools;
    private java.util.function.Function<List<ChatMessage>, String> fallback;

    /** Answers turns no marker matches (e.g. a summary per prompt). */
    public ScriptedModel otherwise(java.util.function.Function<List<ChatMessage>, String> answer) {
        this.fallback = answer;
        return this;
    }
    private int contextLength = 32768;

    /** Replies' tool calls come back as native (structured) calls, as from an OpenAI-compatible server. */
    public ScriptedModel nativeTools() {
        this.nativeTools = true;
        return this;
    }

    public ScriptedModel contextLength(int tokens) {
        this.contextLength = tokens;
        return this;
    }

    /** Every conversation the model was given, in order. */
    public synchronized List<List<ChatMessage>> conversations() {
        return List.copyOf(conversations);
    }

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
        return contextLength;
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
        return nativeTools;
    }

    @Override
    public Completion complete(String prompt, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        return chat(List.of(ChatMessage.user(prompt)), List.of(), options, sink, cancel);
    }

    @Override
    public Completion chat(List<ChatMessage> messages, List<ToolSpec> tools, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        String head = messages.stream().filter(m -> m.role() != ChatMessage.Role.ASSISTANT).limit(2).map(ChatMessage::content).reduce("", String::concat);
        int turn = (int) messages.stream().filter(m -> m.role() == ChatMessage.Role.ASSISTANT).count();
        String reply = fallback != null ? fallback.apply(messages) : "I do not know.";
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
        synchronized (this) {
            conversations.add(List.copyOf(messages));
        }
        int prompt = messages.stream().mapToInt(m -> countTokens(m.content())).sum();
        if (nativeTools) {
            var parsed = carto.agents.llm.TextToolProtocol.parse(reply, tools.stream().map(ToolSpec::name).toList());
            if (!parsed.calls().isEmpty()) {
                List<carto.inference.lm.ToolCall> calls = new ArrayList<>();
                for (int i = 0; i < parsed.calls().size(); i++) {
                    var c = parsed.calls().get(i);
                    calls.add(new carto.inference.lm.ToolCall("call_" + conversations.size() + "_" + i, c.name(), c.argumentsJson()));
                }
                return new Completion("", FinishReason.TOOL_CALLS, prompt, countTokens(reply), Duration.ofMillis(delayMillis), calls);
            }
        }
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
