package carto.inference.fim;

import carto.inference.kv.EditableCache;
import carto.inference.lm.CancelToken;
import carto.inference.lm.FimRequest;
import carto.inference.lm.FinishReason;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.TokenSink;
import carto.inference.model.ContextOverflowException;
import carto.inference.model.Model;
import carto.inference.sample.Sampler;
import carto.inference.tokenizer.Tokenizer;
import carto.inference.tokenizer.Utf8Stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One open document with its fill-in-the-middle prompt kept in a KV cache:
 * {@code [lead] PRE prefix SUF suffix MID}, where prefix and suffix are the text before and
 * after the cursor. Edits and cursor moves become token edits of that sequence (prefix and
 * suffix are re-tokenized locally) applied in the session's mode, so typing costs only the new
 * tokens. Not thread-safe: callers serialize access per session.
 */
public final class CompletionSession {
    /** Replace characters [start, end) of the document with {@code text}. */
    public record TextEdit(int start, int end, String text) {}

    /** A completion with its timings. */
    public record Result(String text, FinishReason finishReason, int generated, double updateMillis, double firstTokenMillis,
                         double totalMillis, EditableCache.Stats update) {}

    private final Model model;
    private final Tokenizer tok;
    private final FimFormat fim;
    private final EditableCache cache;
    private final int reserve;
    private EditableCache.Mode mode;
    private String document = "";
    private int cursor;
    private int[] lead = new int[0];
    private TokenizedText prefix;
    private TokenizedText suffix;

    public CompletionSession(Model model, FimFormat fim, int capacity, EditableCache.Mode mode) {
        this.model = model;
        this.tok = model.tokenizer();
        this.fim = fim;
        this.cache = new EditableCache(model, capacity);
        this.reserve = Math.min(256, capacity / 4);
        this.mode = mode;
        this.prefix = new TokenizedText(tok);
        this.suffix = new TokenizedText(tok);
    }

    public static CompletionSession open(Model model, int capacity, EditableCache.Mode mode) {
        FimFormat f = FimFormat.of(model.vocabulary()).orElseThrow(() -> new IllegalArgumentException("model '" + model.config().name()
                + "' has no fill-in-the-middle tokens; use a code model trained for FIM (Qwen2.5-Coder, DeepSeek-Coder, StarCoder, CodeLlama)"));
        return new CompletionSession(model, f, capacity, mode);
    }

    public String document() { return document; }
    public int cursor() { return cursor; }
    public EditableCache.Mode mode() { return mode; }
    public void setMode(EditableCache.Mode m) { this.mode = m; }
    public int tokens() { return cache.length(); }
    /** Tokens of the document itself (prefix, suffix and their two markers), without the repository context. */
    public int documentTokens() { return prefix.size() + suffix.size() + 2; }
    /** Positions kept free for the completion. */
    public int reserve() { return reserve; }
    public int capacity() { return cache.kv().capacity(); }
    public long cacheBytes() { return (long) cache.kv().capacity() * cache.kv().kvDim() * cache.kv().layers() * 2 * Float.BYTES; }
    public FimFormat format() { return fim; }
    public Model model() { return model; }

    /** Next-token logits at the hole for the prompt as it stands. */
    public float[] nextTokenLogits() { return cache.lastLogits(); }

    /** A copy of this session (document, cursor, cache) that edits independently, in {@code mode}. */
    public CompletionSession fork(EditableCache.Mode forkMode) {
        CompletionSession s = new CompletionSession(model, fim, cache.kv().capacity(), forkMode);
        s.cache.copyFrom(cache);
        s.document = document;
        s.cursor = cursor;
        s.lead = lead;
        s.prefix = prefix.copy();
        s.suffix = suffix.copy();
        return s;
    }

    /** Sets the document, cursor and repository context, and encodes the whole prompt. */
    public EditableCache.Stats open(String text, int cursorAt, String path, String repoName, List<FimRequest.ContextFile> context) {
        checkText(text, 0);
        checkCursor(text, cursorAt);
        int[] nextLead = fim.lead(tok, new FimRequest("", "", path, repoName, context));
        TokenizedText p = new TokenizedText(tok), s = new TokenizedText(tok);
        p.set(text.substring(0, cursorAt));
        s.set(text.substring(cursorAt));
        checkFits(nextLead.length + p.size() + s.size() + 2, "with its context");
        document = text;
        cursor = cursorAt;
        lead = nextLead;
        prefix = p;
        suffix = s;
        return cache.reset(layout());
    }

    private int[] layout() {
        int[] p = prefix.ids(), s = suffix.ids();
        int[] out = new int[lead.length + p.length + 1 + s.length + 1];
        System.arraycopy(lead, 0, out, 0, lead.length);
        System.arraycopy(p, 0, out, lead.length, p.length);
        out[lead.length + p.length] = fim.suffix();
        System.arraycopy(s, 0, out, lead.length + p.length + 1, s.length);
        out[out.length - 1] = fim.middle();
        return out;
    }

    private int prefixStart() { return lead.length; }
    private int suffixStart() { return lead.length + prefix.size() + 1; }

    private static void checkCursor(String text, int at) {
        if (at < 0 || at > text.length()) throw new IllegalArgumentException("cursor " + at + " is outside the document (0.." + text.length() + ")");
        checkCharBoundary(text, at, "the cursor");
    }

    /** Offsets are UTF-16 code units (as editors and LSP send them): one may not split a surrogate pair. */
    private static void checkCharBoundary(String text, int at, String what) {
        if (at > 0 && at < text.length() && Character.isHighSurrogate(text.charAt(at - 1)) && Character.isLowSurrogate(text.charAt(at))) {
            throw new IllegalArgumentException(what + " at offset " + at + " inside a character that takes two UTF-16 units (a surrogate pair); "
                    + "offsets count UTF-16 code units, move it to " + (at - 1) + " or " + (at + 1));
        }
    }

    private static void checkText(String text, int index) {
        if (text == null) return;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(++i))
                    : !Character.isLowSurrogate(c);
            if (!paired) throw new IllegalArgumentException("edit " + index + ": the text has an unpaired UTF-16 surrogate at " + i + "; send valid Unicode text");
        }
    }

    /**
     * Applies edits in order; each is in the coordinates of the document after the previous one.
     * All or nothing: a bad range fails before anything changes, and a failure part-way (the
     * document outgrowing the context) restores the document as it was.
     */
    public EditableCache.Stats edit(List<TextEdit> edits) {
        int len = document.length();
        for (int i = 0; i < edits.size(); i++) {
            TextEdit e = edits.get(i);
            if (e == null) throw new IllegalArgumentException("edit " + i + " is missing");
            if (e.start() < 0 || e.end() < e.start() || e.end() > len) {
                throw new IllegalArgumentException("edit " + i + ": range [" + e.start() + ", " + e.end() + ") is outside the document (length "
                        + len + (i > 0 ? " after the edits before it" : "") + "); ranges are character offsets with start <= end");
            }
            if (i == 0) {
                checkCharBoundary(document, e.start(), "edit 0 starts");
                checkCharBoundary(document, e.end(), "edit 0 ends");
            }
            checkText(e.text(), i);
            len += (e.text() == null ? 0 : e.text().length()) - (e.end() - e.start());
        }
        long t0 = System.nanoTime();
        int reencoded = 0, moved = 0, rotated = 0;
        State before = state();
        try {
            for (TextEdit e : edits) {
                EditableCache.Stats st = applyOne(e);
                reencoded += st.reencoded();
                moved += st.moved();
                rotated += st.rotated();
            }
        } catch (RuntimeException ex) {
            restore(before);
            throw ex;
        }
        return new EditableCache.Stats(mode, reencoded, moved, rotated, System.nanoTime() - t0);
    }

    private EditableCache.Stats applyOne(TextEdit e) {
        checkCharBoundary(document, e.start(), "an edit starts");
        checkCharBoundary(document, e.end(), "an edit ends");
        String text = e.text() == null ? "" : e.text();
        TokenizedText p = prefix.copy(), s = suffix.copy();
        int oldSuffixStart = suffixStart();
        List<EditableCache.Edit> tokenEdits = new ArrayList<>();
        int newCursor = cursor;
        if (e.end() <= cursor) {
            // entirely before (or at) the cursor: typing moves the cursor along
            tokenEdits.add(at(prefixStart(), p.replace(bytesOf(document, 0, e.start()), bytesOf(document, 0, e.end()), text)));
            newCursor += text.length() - (e.end() - e.start());
        } else if (e.start() >= cursor) {
            tokenEdits.add(at(oldSuffixStart, s.replace(bytesOf(document, cursor, e.start()), bytesOf(document, cursor, e.end()), text)));
        } else {
            // spans the cursor: the prefix loses its end, the suffix its start; the cursor lands after the new text
            tokenEdits.add(at(prefixStart(), p.replace(bytesOf(document, 0, e.start()), p.byteLength(), text)));
            tokenEdits.add(at(oldSuffixStart, s.replace(0, bytesOf(document, cursor, e.end()), "")));
            newCursor = e.start() + text.length();
        }
        checkFits(lead.length + p.size() + s.size() + 2, "after this edit");
        EditableCache.Stats st = cache.apply(tokenEdits, mode);
        prefix = p;
        suffix = s;
        document = document.substring(0, e.start()) + text + document.substring(e.end());
        cursor = newCursor;
        return st;
    }

    private record State(String document, int cursor, int[] lead, TokenizedText prefix, TokenizedText suffix) {}

    private State state() {
        return new State(document, cursor, lead, prefix.copy(), suffix.copy());
    }

    /** Back to a saved state; the cache is re-encoded only if a failure left it out of step. */
    private void restore(State s) {
        document = s.document();
        cursor = s.cursor();
        lead = s.lead();
        prefix = s.prefix();
        suffix = s.suffix();
        int[] want = layout();
        if (!Arrays.equals(want, cache.tokens())) cache.reset(want);
    }

    private void checkFits(int n, String when) {
        if (n > cache.kv().capacity() - reserve) {
            throw new ContextOverflowException(when + " the document is " + n + " tokens with its context; the session holds "
                    + cache.kv().capacity() + " (keeping " + reserve + " for the completion). Open the session with a larger context");
        }
    }

    /** A change of a segment that starts at {@code base} in the prompt, as a cache edit in old coordinates. */
    private static EditableCache.Edit at(int base, TokenizedText.Change c) {
        return new EditableCache.Edit(base + c.start(), c.deleted(), c.inserted());
    }

    private static int bytesOf(String doc, int from, int to) {
        return doc.substring(from, to).getBytes(StandardCharsets.UTF_8).length;
    }

    /** Moves the cursor: text between the old and new position moves from one side of the hole to the other. */
    public EditableCache.Stats moveCursor(int to) {
        checkCursor(document, to);
        long t0 = System.nanoTime();
        if (to == cursor) return new EditableCache.Stats(mode, 0, 0, 0, 0);
        State before = state();
        try {
            TokenizedText p = prefix.copy(), s = suffix.copy();
            int oldSuffixStart = suffixStart();
            List<EditableCache.Edit> edits = new ArrayList<>();
            if (to > cursor) {
                String moved = document.substring(cursor, to);
                edits.add(at(prefixStart(), p.replace(p.byteLength(), p.byteLength(), moved)));
                edits.add(at(oldSuffixStart, s.replace(0, moved.getBytes(StandardCharsets.UTF_8).length, "")));
            } else {
                String moved = document.substring(to, cursor);
                edits.add(at(prefixStart(), p.replace(p.byteLength() - moved.getBytes(StandardCharsets.UTF_8).length, p.byteLength(), "")));
                edits.add(at(oldSuffixStart, s.replace(0, 0, moved)));
            }
            checkFits(lead.length + p.size() + s.size() + 2, "with the cursor there");
            EditableCache.Stats st = cache.apply(edits, mode);
            prefix = p;
            suffix = s;
            cursor = to;
            return new EditableCache.Stats(mode, st.reencoded(), st.moved(), st.rotated(), System.nanoTime() - t0);
        } catch (RuntimeException ex) {
            restore(before);
            throw ex;
        }
    }

    /**
     * Replaces the repository context before the prefix (other files, the path): a cache edit of
     * the lead tokens, so in PIE mode the document's own tokens are kept and only re-rotated.
     */
    public EditableCache.Stats setContext(String path, String repoName, List<FimRequest.ContextFile> context) {
        long t0 = System.nanoTime();
        int[] next = fim.lead(tok, new FimRequest("", "", path, repoName, context));
        int common = 0;
        while (common < Math.min(next.length, lead.length) && next[common] == lead[common]) common++;
        int tail = 0;
        while (tail < Math.min(next.length, lead.length) - common && next[next.length - 1 - tail] == lead[lead.length - 1 - tail]) tail++;
        checkFits(next.length + prefix.size() + suffix.size() + 2, "with this context");
        State before = state();
        try {
            EditableCache.Stats st = cache.apply(List.of(new EditableCache.Edit(common, lead.length - common - tail,
                    Arrays.copyOfRange(next, common, next.length - tail))), mode);
            lead = next;
            return new EditableCache.Stats(mode, st.reencoded(), st.moved(), st.rotated(), System.nanoTime() - t0);
        } catch (RuntimeException ex) {
            restore(before);
            throw ex;
        }
    }

    /** The tokens of the prompt as they stand (for tests). */
    public int[] promptTokens() {
        return cache.tokens();
    }

    /** The prompt a fresh encode would build for the current document and cursor. */
    public int[] freshPrompt() {
        TokenizedText p = new TokenizedText(tok), s = new TokenizedText(tok);
        p.set(document.substring(0, cursor));
        s.set(document.substring(cursor));
        int[] pi = p.ids(), si = s.ids();
        int[] out = new int[lead.length + pi.length + si.length + 2];
        System.arraycopy(lead, 0, out, 0, lead.length);
        System.arraycopy(pi, 0, out, lead.length, pi.length);
        out[lead.length + pi.length] = fim.suffix();
        System.arraycopy(si, 0, out, lead.length + pi.length + 1, si.length);
        out[out.length - 1] = fim.middle();
        return out;
    }

    /** Completes at {@code at}: moves the cursor there (a cache edit), then generates the middle. */
    public Result complete(int at, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        long t0 = System.nanoTime();
        EditableCache.Stats update = moveCursor(at);
        int promptLen = cache.length();
        float[] logits = cache.lastLogits();
        double updateMs = (System.nanoTime() - t0) / 1e6;
        FimOutput output = new FimOutput(document.substring(0, cursor), document.substring(cursor), sink);
        Sampler sampler = new Sampler(options.sampling());
        int[] history = Arrays.copyOf(cache.tokens(), cache.kv().capacity());
        int len = promptLen;
        Utf8Stream utf8 = new Utf8Stream();
        double firstMs = -1;
        FinishReason reason = FinishReason.LENGTH;
        int generated = 0;
        try {
            while (true) {
                if (cancel != null && cancel.isCancelled()) {
                    reason = FinishReason.CANCELLED;
                    break;
                }
                int next = sampler.sample(logits, history, len);
                if (firstMs < 0) firstMs = (System.nanoTime() - t0) / 1e6;
                if (fim.isStop(next)) {
                    reason = FinishReason.STOP;
                    break;
                }
                history[len++] = next;
                generated++;
                if (output.push(utf8.push(tok.tokenBytes(next, false)))) {
                    reason = FinishReason.STOP;
                    break;
                }
                if (generated >= options.maxTokens() || len >= cache.kv().capacity()) break;
                logits = model.forward(cache.kv(), new int[]{next}, len - 1, false);
            }
            if (reason != FinishReason.STOP) output.push(utf8.flush());
        } finally {
            cache.kv().setLength(promptLen); // generated tokens are not part of the document
        }
        String finalText = output.finish();
        double total = (System.nanoTime() - t0) / 1e6;
        return new Result(finalText, reason, generated, updateMs, firstMs < 0 ? total : firstMs, total, update);
    }
}
