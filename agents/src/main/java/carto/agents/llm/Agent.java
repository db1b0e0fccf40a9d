package carto.agents.llm;

import carto.inference.lm.CancelToken;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.Completion;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.TokenSink;
import carto.inference.lm.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One agent conversation: the model calls tools until it calls a finishing tool or answers in
 * plain text. Native tool calls where the model has them, the text protocol otherwise; malformed
 * calls get feedback and another try (a bounded number of times); every turn and tool call goes
 * into the trace; the shared token budget and cancellation stop it cleanly.
 */
public final class Agent {
    /** Token budget shared by the agents of one job. */
    public static final class Budget {
        private final int max;
        private final AtomicInteger used = new AtomicInteger();

        public Budget(int maxTokens) {
            this.max = maxTokens;
        }

        public void add(int tokens) {
            used.addAndGet(tokens);
        }

        public int used() {
            return used.get();
        }

        public boolean exhausted() {
            return max > 0 && used.get() >= max;
        }

        public int max() {
            return max;
        }
    }

    /**
     * How a conversation ended: the final text, the finishing call (null when the model answered
     * in text), and why it stopped when it did not finish ({@code failure}, null on success).
     */
    public record Outcome(String text, ToolCall finish, String failure, int steps) {
        public boolean finished() {
            return failure == null;
        }
    }

    /** Thrown when the job was cancelled while the agent ran. */
    public static final class Cancelled extends RuntimeException {
        public Cancelled() {
            super("cancelled");
        }
    }

    private final LanguageModel model;
    private final Trace trace;
    private final Budget budget;
    private final CancelToken cancel;
    private final GenerationOptions options;
    private final int maxMalformed;

    public Agent(LanguageModel model, Trace trace, Budget budget, CancelToken cancel, GenerationOptions options) {
        this.model = model;
        this.trace = trace;
        this.budget = budget;
        this.cancel = cancel == null ? CancelToken.none() : cancel;
        this.options = options;
        this.maxMalformed = 3;
    }

    /** A single model call without tools (classification, choosing, answering). */
    public String ask(String phase, String system, String user) {
        checkStop();
        List<ChatMessage> msgs = new ArrayList<>();
        if (system != null) msgs.add(ChatMessage.system(system));
        msgs.add(ChatMessage.user(user));
        long t0 = System.currentTimeMillis();
        Completion c = call(phase, msgs, List.of());
        trace.model(phase, "answer", render(msgs, 0), c.text(), c.promptTokens(), c.completionTokens(), System.currentTimeMillis() - t0);
        checkStop();
        return c.text();
    }

    /** Thrown when a conversation cannot go on: the model failed repeatedly, or the prompt does not fit its context. */
    public static final class ModelUnavailable extends RuntimeException {
        public ModelUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One model call; a failing remote model gets two more tries with a pause, a prompt beyond the context fails at once. */
    private Completion call(String phase, List<ChatMessage> msgs, List<carto.inference.lm.ToolSpec> specs) {
        int need = msgs.stream().mapToInt(m -> model.countTokens(m.content()) + 8).sum();
        if (need + Math.min(options.maxTokens(), 64) > model.contextLength()) {
            throw new ModelUnavailable("the " + phase + " prompt needs about " + need + " tokens but " + model.name() + " attends to only "
                    + model.contextLength() + "; use a model with a longer context", null);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                Completion c = model.chat(msgs, specs, options, TokenSink.NONE, cancel);
                budget.add(c.promptTokens() + c.completionTokens());
                return c;
            } catch (carto.inference.model.ContextOverflowException e) {
                throw new ModelUnavailable("the " + phase + " conversation no longer fits the model's context: " + e.getMessage(), e);
            } catch (carto.inference.lm.ModelException e) {
                checkStop();
                if (attempt >= 3) throw new ModelUnavailable("the model failed 3 times in " + phase + ": " + e.getMessage(), e);
                trace.add(phase, "error", "model call failed, retrying", e.getMessage(), null, null, null, true, 0, 0, 0);
                try {
                    Thread.sleep(500L * attempt * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new Cancelled();
                }
            }
        }
    }

    /** Runs the conversation: at most {@code maxSteps} model turns; {@code finishTools} end it (their call is validated by the toolbox). */
    public Outcome run(String phase, String system, String user, Toolbox tools, Set<String> finishTools, int maxSteps) {
        boolean nativeTools = model.supportsNativeTools();
        String sys = nativeTools ? system : system + "\n\n" + TextToolProtocol.instructions(tools.tools());
        List<ChatMessage> msgs = new ArrayList<>();
        msgs.add(ChatMessage.system(sys));
        msgs.add(ChatMessage.user(user));
        int malformed = 0, nudges = 0, shown = 0;
        String lastText = "";
        for (int step = 1; step <= maxSteps; step++) {
            checkStop();
            if (budget.exhausted()) {
                trace.add(phase, "error", "token budget exhausted", "used " + budget.used() + " of " + budget.max() + " tokens", null, null, null, true, 0, 0, 0);
                return new Outcome(lastText, null, "the token budget (" + budget.max() + ") is exhausted", step - 1);
            }
            fit(msgs);
            long t0 = System.currentTimeMillis();
            Completion c;
            try {
                c = call(phase, msgs, nativeTools ? tools.specs() : List.of());
            } catch (ModelUnavailable e) {
                trace.add(phase, "error", "model unavailable", e.getMessage(), null, null, null, true, 0, 0, 0);
                return new Outcome(lastText, null, e.getMessage(), step - 1);
            }
            checkStop();
            lastText = c.text();
            trace.model(phase, "turn " + step, render(msgs, shown), c.text(), c.promptTokens(), c.completionTokens(), System.currentTimeMillis() - t0);
            shown = msgs.size() + 1; // the answer is recorded as this step's text
            List<ToolCall> calls = new ArrayList<>(c.toolCalls());
            TextToolProtocol.Parsed parsed = null;
            if (calls.isEmpty()) {
                parsed = TextToolProtocol.parse(c.text(), tools.names());
                calls.addAll(parsed.calls());
            }
            if (calls.isEmpty()) {
                if (parsed.malformed()) {
                    malformed++;
                    String why = String.join("; ", parsed.problems());
                    trace.add(phase, "error", "malformed tool call", why, null, null, null, true, 0, 0, 0);
                    if (malformed >= maxMalformed) {
                        return new Outcome(c.text(), null, "the model's tool calls could not be read " + malformed + " times in a row (" + why + ")", step);
                    }
                    msgs.add(ChatMessage.assistant(c.text()));
                    msgs.add(ChatMessage.user("Your tool call could not be read: " + why + ". Answer with exactly one block: "
                            + "<tool_call>{\"name\": \"TOOL\", \"arguments\": {...}}</tool_call>"));
                    continue;
                }
                if (!finishTools.isEmpty() && nudges < 2) {
                    nudges++;
                    msgs.add(ChatMessage.assistant(c.text()));
                    msgs.add(ChatMessage.user("Use the tools to continue, and finish by calling " + String.join(" or ", finishTools) + "."));
                    continue;
                }
                return finishTools.isEmpty() ? new Outcome(c.text(), null, null, step)
                        : new Outcome(c.text(), null, "the model stopped without calling " + String.join(" or ", finishTools), step);
            }
            malformed = 0;
            msgs.add(new ChatMessage(ChatMessage.Role.ASSISTANT, nativeTools ? c.text() : c.text(), nativeTools ? calls : List.of(), null));
            for (ToolCall call : calls) {
                checkStop();
                long t1 = System.currentTimeMillis();
                Toolbox.Outcome out = tools.call(call);
                trace.add(phase, "tool", call.name(), null, call.name(), call.argumentsJson(), out.text(), out.error(), 0, 0, System.currentTimeMillis() - t1);
                String resolved = TextToolProtocol.resolveName(call.name(), tools.names());
                if (!out.error() && resolved != null && finishTools.contains(resolved)) {
                    return new Outcome(c.text(), new ToolCall(call.id(), resolved, call.argumentsJson()), null, step);
                }
                if (nativeTools) msgs.add(ChatMessage.tool(call.id(), out.text()));
                else msgs.add(ChatMessage.user("Result of " + call.name() + ":\n" + out.text()));
                if (!nativeTools) break; // one call per turn in the text protocol
            }
        }
        return new Outcome(lastText, null, "no result after " + maxSteps + " steps", maxSteps);
    }

    /** The messages from {@code from} on, as the trace shows a prompt. */
    private static String render(List<ChatMessage> msgs, int from) {
        StringBuilder sb = new StringBuilder();
        for (int i = Math.min(from, msgs.size()); i < msgs.size(); i++) {
            ChatMessage m = msgs.get(i);
            sb.append('[').append(m.role().name().toLowerCase(java.util.Locale.ROOT)).append("] ").append(m.content() == null ? "" : m.content()).append('\n');
        }
        return sb.toString();
    }

    private void checkStop() {
        if (cancel.isCancelled() || Thread.currentThread().isInterrupted()) throw new Cancelled();
    }

    /** Elides the oldest tool results (then the oldest turns) until the conversation fits the model's context. */
    private void fit(List<ChatMessage> msgs) {
        int limit = model.contextLength() - options.maxTokens() - 64;
        if (limit <= 0) return;
        int total = msgs.stream().mapToInt(m -> model.countTokens(m.content()) + 8).sum();
        for (int i = 2; i < msgs.size() - 1 && total > limit; i++) {
            ChatMessage m = msgs.get(i);
            boolean result = m.role() == ChatMessage.Role.TOOL || m.role() == ChatMessage.Role.USER && m.content().startsWith("Result of ");
            if (result && m.content().length() > 120) {
                String elided = (m.role() == ChatMessage.Role.USER ? m.content().lines().findFirst().orElse("") + "\n" : "")
                        + "[earlier result elided to fit the context; call the tool again if you need it]";
                total -= model.countTokens(m.content()) - model.countTokens(elided);
                msgs.set(i, new ChatMessage(m.role(), elided, m.toolCalls(), m.toolCallId()));
            }
        }
        while (total > limit && msgs.size() > 3) {
            ChatMessage removed = msgs.remove(2);
            total -= model.countTokens(removed.content()) + 8;
            // a tool answer without its call makes no sense: drop them together
            while (msgs.size() > 3 && msgs.get(2).role() == ChatMessage.Role.TOOL) total -= model.countTokens(msgs.remove(2).content()) + 8;
        }
    }
}
