package carto.agents.eval;

import carto.inference.lm.CancelToken;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.Completion;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.TokenSink;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Method summarization on the "Code Summarization Beyond Function Level" layout: MCE rows (class
 * context: the class skeleton, with the target method's own docstring masked so the reference
 * does not leak into the prompt) and MCSN rows (repository context: repository and file path).
 * Predictions are scored with BLEU-4, ROUGE-L and METEOR.
 */
public final class SummaryEval {
    /** One task: split (mce or mcsn), id, the method, its context, the reference summary. */
    public record Row(String split, String id, String code, String context, String reference) {}

    /** Metrics over a set of rows: corpus BLEU-4, mean ROUGE-L F1 and mean METEOR. */
    public record Metrics(int rows, double bleu4, double rougeL, double meteor) {}

    /** One prediction with its scores. */
    public record Scored(String id, String split, String prediction, String reference, double rougeL, double meteor) {}

    /** The whole run. */
    public record Report(String model, Metrics all, Map<String, Metrics> bySplit, int maskedDocstrings, long promptTokens, long completionTokens,
                         long millis, List<Scored> predictions) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private SummaryEval() {}

    /** Rows of the dataset folder: {@code split} mce, mcsn or all; at most {@code limit} per split (0: all). */
    public static List<Row> load(Path dir, String split, int limit) throws IOException {
        List<Row> rows = new ArrayList<>();
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + " is not a folder of the summarization dataset");
        boolean mce = split.equals("all") || split.equals("mce"), mcsn = split.equals("all") || split.equals("mcsn");
        if (!mce && !mcsn) throw new IllegalArgumentException("split must be mce, mcsn or all, not '" + split + "'");
        if (mce) rows.addAll(read(dir.resolve("method-level-mce.dev.jsonl"), limit, (n, i) -> {
            String code = n.path("method_code").asText();
            return new Row("mce", n.path("class_id").asText() + "#" + i, code, maskDocstring(n.path("skeleton").asText(), methodName(code)),
                    n.path("method_summary").asText());
        }));
        if (mcsn) rows.addAll(read(dir.resolve("method-level-mcsn.dev.jsonl"), limit, (n, i) -> new Row("mcsn",
                n.path("repo_name").asText() + ":" + n.path("method_path").asText() + "#" + n.path("method_name").asText(),
                n.path("method_code").asText(), "Repository: " + n.path("repo_name").asText() + ", file " + n.path("method_path").asText(),
                n.path("method_summary").asText())));
        return rows;
    }

    private static List<Row> read(Path file, int limit, java.util.function.BiFunction<JsonNode, Integer, Row> f) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("the dataset has no " + file.getFileName());
        List<Row> out = new ArrayList<>();
        int i = 0;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            out.add(f.apply(JSON.readTree(line), i++));
            if (limit > 0 && out.size() >= limit) break;
        }
        return out;
    }

    static String methodName(String code) {
        Matcher m = Pattern.compile("def\\s+(\\w+)").matcher(code);
        return m.find() ? m.group(1) : "";
    }

    /** The skeleton with the docstring right after {@code def name(...)} removed (it is the reference, or contains it). */
    static String maskDocstring(String skeleton, String name) {
        if (name.isEmpty()) return skeleton;
        Matcher m = Pattern.compile("(?s)(def\\s+" + Pattern.quote(name) + "\\s*\\(.*?\\)[^:]*:\\s*\\n)(\\s*)(\"\"\"|''')(.*?)\\3").matcher(skeleton);
        return m.find() ? skeleton.substring(0, m.start()) + m.group(1) + m.group(2) + "# (docstring hidden)" + skeleton.substring(m.end()) : skeleton;
    }

    /** Few-shot examples from the dataset's own example file of a split. */
    public static List<String[]> examples(Path dir, String split, int n) throws IOException {
        Path f = dir.resolve("method-level-" + split + "-few-shot.jsonl");
        List<String[]> out = new ArrayList<>();
        if (!Files.isRegularFile(f)) return out;
        for (String line : Files.readAllLines(f)) {
            if (line.isBlank()) continue;
            JsonNode j = JSON.readTree(line);
            out.add(new String[]{j.path("method_code").asText(), j.path("method_summary").asText()});
            if (out.size() >= n) break;
        }
        return out;
    }

    public static Report run(LanguageModel model, List<Row> rows, Map<String, List<String[]>> examples, int maxTokens, Consumer<String> progress) {
        long t0 = System.currentTimeMillis();
        long pt = 0, ct = 0;
        int masked = 0;
        List<Scored> scored = new ArrayList<>();
        List<String> hyps = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (r.context().contains("# (docstring hidden)")) masked++;
            List<ChatMessage> prompt = prompt(model, r, examples.getOrDefault(r.split(), List.of()), maxTokens);
            Completion c = model.chat(prompt, List.of(), GenerationOptions.greedy(maxTokens).withStop(List.of("\n\n")), TokenSink.NONE, CancelToken.none());
            pt += c.promptTokens();
            ct += c.completionTokens();
            String pred = firstSentence(c.text());
            hyps.add(pred);
            scored.add(new Scored(r.id(), r.split(), pred, r.reference(), TextMetrics.rougeL(r.reference(), pred), TextMetrics.meteor(r.reference(), pred)));
            if (progress != null) progress.accept((i + 1) + "/" + rows.size() + " " + r.id());
        }
        Map<String, Metrics> bySplit = new LinkedHashMap<>();
        for (String split : List.of("mce", "mcsn")) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) if (rows.get(i).split().equals(split)) idx.add(i);
            if (!idx.isEmpty()) bySplit.put(split, metrics(rows, hyps, scored, idx));
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) all.add(i);
        return new Report(model.name(), metrics(rows, hyps, scored, all), bySplit, masked, pt, ct, System.currentTimeMillis() - t0, scored);
    }

    private static Metrics metrics(List<Row> rows, List<String> hyps, List<Scored> scored, List<Integer> idx) {
        List<List<String>> refs = idx.stream().map(i -> List.of(rows.get(i).reference())).toList();
        List<String> h = idx.stream().map(hyps::get).toList();
        double rouge = idx.stream().mapToDouble(i -> scored.get(i).rougeL()).average().orElse(0);
        double meteor = idx.stream().mapToDouble(i -> scored.get(i).meteor()).average().orElse(0);
        return new Metrics(idx.size(), TextMetrics.bleu4(refs, h), rouge, meteor);
    }

    /** The prompt, shrunk (examples first, then context, then code) until it fits the model's context. */
    static List<ChatMessage> prompt(LanguageModel model, Row r, List<String[]> examples, int maxTokens) {
        String system = "You summarize Python methods in one sentence, in the style of the first sentence of a docstring.";
        int room = model.contextLength() - maxTokens - 16;
        String code = r.code(), context = r.context();
        int ex = examples.size();
        for (int attempt = 0; attempt < 40; attempt++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < ex; i++) sb.append("Example method:\n").append(examples.get(i)[0].strip()).append("\nSummary: ").append(examples.get(i)[1].strip()).append("\n\n");
            if (!context.isBlank()) sb.append(r.split().equals("mce") ? "Class skeleton:\n" : "").append(context.strip()).append("\n\n");
            sb.append("Method:\n").append(code.strip()).append("\n\nSummary:");
            String user = sb.toString();
            if (model.countTokens(system) + model.countTokens(user) + 16 <= room) return List.of(ChatMessage.system(system), ChatMessage.user(user));
            if (ex > 0) ex--;
            else if (context.length() > 200) context = context.substring(0, context.length() / 2);
            else if (!context.isEmpty()) context = "";
            else code = code.substring(0, Math.max(1, code.length() * 2 / 3));
        }
        return List.of(ChatMessage.user(code.substring(0, Math.min(code.length(), 200)) + "\nSummary:"));
    }

    static String firstSentence(String text) {
        String t = text == null ? "" : text.strip().replaceFirst("(?i)^summary\\s*:\\s*", "");
        t = t.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
        Matcher m = Pattern.compile("^(.+?[.!?])(\\s|$)").matcher(t);
        return m.find() ? m.group(1) : t;
    }
}
