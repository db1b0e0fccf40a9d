package carto.inference.bench;

import carto.inference.fim.CompletionSession;
import carto.inference.fim.FimFormat;
import carto.inference.fim.TokenizedText;
import carto.inference.kv.EditableCache;
import carto.inference.model.Model;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * PIE against exact re-encoding: latency of the cache update after an edit of E tokens in the
 * middle of an L-token context for each mode, the time to the first completion token after it,
 * and how often PIE's (and splice's) next-token top-1 agrees with exact over an edit trace made
 * of real code (HumanEval-infilling tasks whose missing lines are typed in, line by line).
 */
public final class PieBenchmark {
    /**
     * What to measure: context lengths, edit sizes, timed repeats (the median is reported; exact
     * re-encoding is timed {@code exactRepeats} times, it is the slow one), the code the contexts
     * are made of, and the edit trace (a HumanEval-infilling JSONL file; {@code traceTasks} of its tasks).
     */
    public record Options(Path model, int threads, int[] contexts, int[] edits, int repeats, int exactRepeats, Path corpus,
                          Path trace, int traceTasks) {}

    private PieBenchmark() {}

    public static Map<String, Object> run(Options o, Consumer<String> progress) {
        Map<String, Object> r = new LinkedHashMap<>();
        try (Model model = Model.load(o.model(), o.threads())) {
            var c = model.config();
            r.put("model", o.model().toString());
            r.put("name", c.name());
            r.put("shape", Map.of("embd", c.embd(), "layers", c.layers(), "heads", c.heads(), "kv_heads", c.kvHeads(), "ffn", c.ffn(), "vocab", c.vocab()));
            r.put("weight_types", InferenceBenchmark.weightTypes(model));
            r.put("threads", o.threads());
            String corpusText = corpus(o.corpus());
            int[] all = model.tokenizer().encode(corpusText, true, false);
            int maxContext = Arrays.stream(o.contexts()).max().orElse(0);
            int maxEdit = Arrays.stream(o.edits()).max().orElse(0);
            if (all.length < maxContext + maxEdit + 64) {
                all = repeatTo(all, maxContext + maxEdit + 64);
            }
            warmUp(model, all);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int ctx : o.contexts()) {
                progress.accept("context " + ctx + ": encoding");
                int[] base = Arrays.copyOf(all, ctx);
                int capacity = ctx + maxEdit + 8;
                EditableCache original = new EditableCache(model, capacity);
                original.reset(base);
                EditableCache work = new EditableCache(model, capacity);
                // full recompute of the edited context: what a server without any cache reuse pays
                int[] full = EditableCache.applied(base, List.of(edit(all, ctx, 10)));
                long t = System.nanoTime();
                work.reset(full);
                double fullMs = (System.nanoTime() - t) / 1e6;
                for (int e : o.edits()) {
                    progress.accept("context " + ctx + ", edit of " + e + " tokens");
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("context_tokens", ctx);
                    row.put("edit_tokens", e);
                    row.put("edit_position", ctx / 2);
                    List<EditableCache.Edit> edit = List.of(edit(all, ctx, e));
                    Map<EditableCache.Mode, double[]> times = new LinkedHashMap<>();
                    for (EditableCache.Mode mode : EditableCache.Mode.values()) {
                        int reps = mode == EditableCache.Mode.EXACT ? o.exactRepeats() : o.repeats();
                        double[] update = new double[reps], ttft = new double[reps];
                        for (int i = 0; i < reps; i++) {
                            work.copyFrom(original);
                            long a = System.nanoTime();
                            work.apply(edit, mode);
                            long b = System.nanoTime();
                            InferenceBenchmark.argmax(work.lastLogits());
                            long d = System.nanoTime();
                            update[i] = (b - a) / 1e6;
                            ttft[i] = (d - a) / 1e6;
                        }
                        times.put(mode, new double[]{InferenceBenchmark.median(update), InferenceBenchmark.median(ttft)});
                    }
                    double pie = times.get(EditableCache.Mode.PIE)[0];
                    row.put("exact_update_ms", round(times.get(EditableCache.Mode.EXACT)[0]));
                    row.put("full_recompute_ms", round(fullMs));
                    row.put("pie_update_ms", round(pie));
                    row.put("splice_update_ms", round(times.get(EditableCache.Mode.SPLICE)[0]));
                    row.put("pie_speedup_vs_exact", round(times.get(EditableCache.Mode.EXACT)[0] / pie));
                    row.put("pie_speedup_vs_full_recompute", round(fullMs / pie));
                    row.put("exact_first_token_ms", round(times.get(EditableCache.Mode.EXACT)[1]));
                    row.put("pie_first_token_ms", round(times.get(EditableCache.Mode.PIE)[1]));
                    rows.add(row);
                }
            }
            r.put("latency", rows);
            r.put("latency_notes", "update = cache update after inserting edit_tokens tokens at the middle of the context; exact re-encodes from the edit "
                    + "to the end (prefix reuse), full_recompute re-encodes everything; first_token = update + the next-token forward pass + argmax; "
                    + "medians of " + o.repeats() + " runs (exact: " + o.exactRepeats() + ")");
            if (o.trace() != null && o.traceTasks() > 0) {
                progress.accept("edit trace");
                r.put("agreement", agreement(model, o.trace(), o.traceTasks()));
            }
        }
        return r;
    }

    /** Inserts {@code size} tokens taken from elsewhere in the corpus at the middle of an L-token context. */
    private static EditableCache.Edit edit(int[] all, int ctx, int size) {
        int[] ins = Arrays.copyOfRange(all, ctx + 1, ctx + 1 + size);
        return new EditableCache.Edit(ctx / 2, 0, ins);
    }

    private static void warmUp(Model model, int[] tokens) {
        EditableCache w = new EditableCache(model, 160);
        w.reset(Arrays.copyOf(tokens, 96));
        for (EditableCache.Mode m : EditableCache.Mode.values()) {
            for (int i = 0; i < 3; i++) {
                w.apply(List.of(new EditableCache.Edit(40, 2, Arrays.copyOfRange(tokens, 100, 104))), m);
                w.lastLogits();
            }
        }
    }

    /**
     * Agreement over an edit trace: each task's document starts with its hole empty and the
     * cursor in it; the canonical middle is then typed in, one line per edit. After every edit the
     * next-token top-1 of a PIE and a splice cache is compared with exact's. FIM models are
     * driven through completion sessions (prompt = FIM layout); others through the plain text.
     */
    static Map<String, Object> agreement(Model model, Path trace, int tasks) {
        List<JsonNode> records = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try {
            for (String line : Files.readAllLines(trace)) {
                if (!line.isBlank()) records.add(json.readTree(line));
                if (records.size() >= tasks) break;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the edit trace " + trace + ": " + e.getMessage(), e);
        }
        boolean fim = FimFormat.of(model.vocabulary()).isPresent();
        int edits = 0, pieAgree = 0, spliceAgree = 0, rotated = 0;
        double pieDiff = 0, spliceDiff = 0;
        for (JsonNode t : records) {
            String prefix = t.get("prompt").asText(), suffix = t.get("suffix").asText(), middle = t.get("canonical_solution").asText();
            List<String> lines = middle.lines().map(l -> l + "\n").toList();
            Doc exact = fim ? new FimDoc(model, prefix, suffix, EditableCache.Mode.EXACT) : new PlainDoc(model, prefix, suffix, EditableCache.Mode.EXACT);
            Doc pie = exact.fork(EditableCache.Mode.PIE), splice = exact.fork(EditableCache.Mode.SPLICE);
            int cursor = prefix.length();
            for (String l : lines) {
                for (Doc d : new Doc[]{exact, pie, splice}) d.insert(cursor, l);
                cursor += l.length();
                float[] le = exact.logits(), lp = pie.logits(), ls = splice.logits();
                int te = InferenceBenchmark.argmax(le);
                if (InferenceBenchmark.argmax(lp) == te) pieAgree++;
                if (InferenceBenchmark.argmax(ls) == te) spliceAgree++;
                pieDiff += maxAbsDiff(lp, le);
                spliceDiff += maxAbsDiff(ls, le);
                edits++;
            }
            rotated += pie.rotated();
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("trace", trace.getFileName() + ": the canonical middle typed in line by line, next-token top-1 after every edit");
        a.put("driven_as", fim ? "FIM completion sessions" : "plain text (the model has no FIM tokens)");
        a.put("tasks", records.size());
        a.put("edits", edits);
        a.put("pie_top1_agreement", edits == 0 ? null : round((double) pieAgree / edits));
        a.put("splice_top1_agreement", edits == 0 ? null : round((double) spliceAgree / edits));
        a.put("pie_mean_max_abs_logit_diff", edits == 0 ? null : round(pieDiff / edits));
        a.put("splice_mean_max_abs_logit_diff", edits == 0 ? null : round(spliceDiff / edits));
        a.put("pie_tokens_rerotated", rotated);
        return a;
    }

    /** A document under edits, kept in a cache in one mode. */
    private interface Doc {
        void insert(int at, String text);
        float[] logits();
        Doc fork(EditableCache.Mode mode);
        int rotated();
    }

    private static final class FimDoc implements Doc {
        final CompletionSession session;
        int rotated;

        FimDoc(Model m, String prefix, String suffix, EditableCache.Mode mode) {
            String doc = prefix + suffix;
            session = CompletionSession.open(m, capacity(m, doc), mode);
            session.open(doc, prefix.length(), null, null, List.of());
        }

        FimDoc(CompletionSession s) {
            session = s;
        }

        public void insert(int at, String text) {
            rotated += session.edit(List.of(new CompletionSession.TextEdit(at, at, text))).rotated();
        }

        public float[] logits() {
            return session.nextTokenLogits();
        }

        public Doc fork(EditableCache.Mode mode) {
            return new FimDoc(session.fork(mode));
        }

        public int rotated() {
            return rotated;
        }
    }

    private static final class PlainDoc implements Doc {
        final Model model;
        final TokenizedText text;
        final EditableCache cache;
        final EditableCache.Mode mode;
        final int lead;
        int rotated;
        String doc;

        PlainDoc(Model m, String prefix, String suffix, EditableCache.Mode mode) {
            this.model = m;
            this.mode = mode;
            this.doc = prefix + suffix;
            this.text = new TokenizedText(m.tokenizer());
            text.set(doc);
            var v = m.vocabulary();
            this.lead = v.addBos && v.bos >= 0 ? 1 : 0;
            this.cache = new EditableCache(m, capacity(m, doc));
            int[] ids = text.ids();
            int[] all = new int[lead + ids.length];
            if (lead == 1) all[0] = v.bos;
            System.arraycopy(ids, 0, all, lead, ids.length);
            cache.reset(all);
        }

        PlainDoc(PlainDoc o, EditableCache.Mode mode) {
            this.model = o.model;
            this.mode = mode;
            this.doc = o.doc;
            this.text = o.text.copy();
            this.lead = o.lead;
            this.cache = new EditableCache(o.model, o.cache.kv().capacity());
            cache.copyFrom(o.cache);
        }

        public void insert(int at, String s) {
            int b = doc.substring(0, at).getBytes(StandardCharsets.UTF_8).length;
            TokenizedText.Change c = text.replace(b, b, s);
            rotated += cache.apply(List.of(new EditableCache.Edit(lead + c.start(), c.deleted(), c.inserted())), mode).rotated();
            doc = doc.substring(0, at) + s + doc.substring(at);
        }

        public float[] logits() {
            return cache.lastLogits();
        }

        public Doc fork(EditableCache.Mode m) {
            return new PlainDoc(this, m);
        }

        public int rotated() {
            return rotated;
        }
    }

    private static int capacity(Model m, String doc) {
        return m.tokenizer().encode(doc, true, false).length * 2 + 512;
    }

    private static String corpus(Path p) {
        if (p == null) throw new IllegalArgumentException("no corpus: give --corpus FILE (code or a HumanEval-infilling .jsonl) to build the contexts from");
        try {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("corpus " + p + " is not a readable file");
            String s = Files.readString(p);
            if (!p.toString().endsWith(".jsonl")) return s;
            StringBuilder sb = new StringBuilder();
            ObjectMapper json = new ObjectMapper();
            for (String line : s.split("\n")) {
                if (line.isBlank()) continue;
                JsonNode n = json.readTree(line);
                sb.append(n.path("prompt").asText()).append(n.path("canonical_solution").asText()).append(n.path("suffix").asText()).append("\n\n");
            }
            return sb.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the corpus " + p + ": " + e.getMessage(), e);
        }
    }

    private static int[] repeatTo(int[] tokens, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = tokens[i % tokens.length];
        return out;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    private static double round(double v) {
        return InferenceBenchmark.round(v, 3);
    }
}
