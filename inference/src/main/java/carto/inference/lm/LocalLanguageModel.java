package carto.inference.lm;

import carto.inference.chat.ChatTemplate;
import carto.inference.fim.FimFormat;
import carto.inference.fim.FimOutput;
import carto.inference.model.ContextOverflowException;
import carto.inference.kv.KvCache;
import carto.inference.model.Model;
import carto.inference.sample.Sampler;
import carto.inference.tokenizer.Tokenizer;
import carto.inference.tokenizer.Utf8Stream;
import carto.inference.tokenizer.Vocabulary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link LanguageModel} on the in-process inference core. One generation runs at a time; the KV
 * cache of the previous prompt is kept, so a prompt that extends or shares a prefix with the
 * last one (agent loops, chat turns) only computes the new tokens.
 */
public final class LocalLanguageModel implements LanguageModel {
    private static final int CHUNK = 256;
    private static final Pattern TOOL_CALL = Pattern.compile("<tool_call>\\s*(\\{.*?})\\s*</tool_call>", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Model model;
    private final int contextLength;
    private final ChatTemplate template;
    private final Optional<FimFormat> fim;
    private KvCache cache;
    private int[] cached = new int[0];

    public LocalLanguageModel(Model model, int contextLength) {
        this.model = model;
        this.contextLength = Math.min(contextLength, model.config().contextTrain());
        this.template = ChatTemplate.detect(model.vocabulary());
        this.fim = FimFormat.of(model.vocabulary());
    }

    public static LocalLanguageModel load(Path file, int threads, int contextLength) {
        return new LocalLanguageModel(Model.load(file, threads), contextLength);
    }

    public Model model() { return model; }
    public ChatTemplate template() { return template; }
    public Optional<FimFormat> fimFormat() { return fim; }

    @Override
    public String name() {
        return model.config().name();
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public int countTokens(String text) {
        return model.tokenizer().encode(text, false, false).length;
    }

    @Override
    public boolean supportsFim() {
        return fim.isPresent();
    }

    @Override
    public boolean supportsNativeTools() {
        return template.nativeTools(model.vocabulary());
    }

    @Override
    public Completion complete(String prompt, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        int[] tokens = model.tokenizer().encode(prompt, true, false);
        Vocabulary v = model.vocabulary();
        return generate(tokens, options, v::isEndOfGeneration, sink, cancel);
    }

    @Override
    public Completion chat(List<ChatMessage> messages, List<ToolSpec> tools, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        if (messages.isEmpty()) throw new IllegalArgumentException("a chat needs at least one message");
        Vocabulary v = model.vocabulary();
        String prompt = template.render(messages, tools, v);
        int[] tokens = model.tokenizer().encode(prompt, false, true);
        int endTurn = v.id(template.endOfTurn);
        GenerationOptions o = endTurn < 0 ? options.withStop(List.of(template.endOfTurn)) : options;
        Completion c = generate(tokens, o, t -> t == endTurn || v.isEndOfGeneration(t), sink, cancel);
        if (tools == null || tools.isEmpty() || !supportsNativeTools()) return c;
        return extractToolCalls(c);
    }

    /** Qwen-style {@code <tool_call>{"name":..., "arguments":{...}}</tool_call>} blocks become structured calls. */
    static Completion extractToolCalls(Completion c) {
        Matcher m = TOOL_CALL.matcher(c.text());
        List<ToolCall> calls = new ArrayList<>();
        while (m.find()) {
            try {
                JsonNode n = JSON.readTree(m.group(1));
                if (n.hasNonNull("name")) {
                    JsonNode args = n.get("arguments");
                    String argJson = args == null ? "{}" : args.isTextual() ? args.asText() : JSON.writeValueAsString(args);
                    calls.add(new ToolCall("call_" + calls.size(), n.get("name").asText(), argJson));
                }
            } catch (Exception e) {
                // not JSON: leave it in the text for the agent's text protocol to handle
            }
        }
        if (calls.isEmpty()) return c;
        String rest = TOOL_CALL.matcher(c.text()).replaceAll("").strip();
        return new Completion(rest, FinishReason.TOOL_CALLS, c.promptTokens(), c.completionTokens(), c.time(), calls);
    }

    @Override
    public Completion fillInMiddle(FimRequest request, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        FimFormat f = fim.orElseThrow(() -> new IllegalArgumentException("model '" + name() + "' has no fill-in-the-middle tokens "
                + "(<|fim_prefix|>, <｜fim▁begin｜>, <fim_prefix> or <PRE>); use a code model trained for FIM, e.g. Qwen2.5-Coder or DeepSeek-Coder"));
        int[] tokens = f.prompt(model.tokenizer(), request);
        // the FIM stop rules (block closes, indentation returns, suffix reached) end generation early
        FimOutput out = new FimOutput(request.prefix(), request.suffix(), sink);
        CancelToken own = (cancel != null ? cancel : CancelToken.none()).child();
        Completion c = generate(tokens, options, f::isStop, piece -> {
            if (out.push(piece)) own.cancel();
        }, own);
        String text = out.finish();
        FinishReason reason = out.ended() ? FinishReason.STOP : c.finishReason();
        return new Completion(text, reason, c.promptTokens(), c.completionTokens(), c.time(), List.of());
    }

    /** The generation loop shared by every request type. */
    public Completion generate(int[] prompt, GenerationOptions o, IntPredicate stopToken, TokenSink sink, CancelToken cancel) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        if (prompt.length >= contextLength) {
            throw new ContextOverflowException("the prompt has " + prompt.length + " tokens but the context window is " + contextLength
                    + " tokens; shorten the input or load the model with a larger context (--ctx)");
        }
        long start = System.nanoTime();
        synchronized (this) {
            if (cache == null) cache = model.newCache(contextLength);
            int common = 0;
            int limit = Math.min(cached.length, prompt.length - 1);
            while (common < limit && cached[common] == prompt[common]) common++;
            float[] logits = null;
            int pos = common;
            while (pos < prompt.length) {
                if (cancel != null && cancel.isCancelled()) {
                    cached = Arrays.copyOf(prompt, pos);
                    return new Completion("", FinishReason.CANCELLED, prompt.length, 0, Duration.ofNanos(System.nanoTime() - start), List.of());
                }
                int n = Math.min(CHUNK, prompt.length - pos);
                logits = model.forward(cache, Arrays.copyOfRange(prompt, pos, pos + n), pos, false);
                pos += n;
            }
            int[] history = Arrays.copyOf(prompt, contextLength);
            int len = prompt.length;
            Sampler sampler = new Sampler(o.sampling());
            Tokenizer tok = model.tokenizer();
            Utf8Stream utf8 = new Utf8Stream();
            StopScanner scanner = new StopScanner(o.stop(), sink);
            FinishReason reason = FinishReason.LENGTH;
            int generated = 0;
            while (true) {
                if (cancel != null && cancel.isCancelled()) {
                    reason = FinishReason.CANCELLED;
                    break;
                }
                int next = sampler.sample(logits, history, len);
                if (stopToken.test(next)) {
                    reason = FinishReason.STOP;
                    break;
                }
                history[len++] = next;
                generated++;
                if (scanner.push(utf8.push(tok.tokenBytes(next, false)))) {
                    reason = FinishReason.STOP;
                    break;
                }
                if (generated >= o.maxTokens() || len >= contextLength) break;
                logits = model.forward(cache, new int[]{next}, len - 1, false);
            }
            if (reason != FinishReason.STOP) scanner.push(utf8.flush());
            String text = scanner.finish();
            // the cache holds every token that went through forward: the prompt and all but the last generated one
            int valid = Math.min(len, Math.max(prompt.length, len - 1));
            cached = Arrays.copyOf(history, valid);
            return new Completion(text, reason, prompt.length, generated, Duration.ofNanos(System.nanoTime() - start), List.of());
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
