package carto.api.cli;

import carto.agents.completion.GraphContext;
import carto.api.Json;
import carto.graph.KnowledgeGraph;
import carto.graph.RepositoryInfo;
import carto.inference.fim.CompletionSession;
import carto.inference.kv.EditableCache;
import carto.inference.lm.CancelToken;
import carto.inference.lm.Completion;
import carto.inference.lm.FimRequest;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.LocalLanguageModel;
import carto.inference.sample.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "complete", description = "Fill in the middle at a place in a file and print the completion (with --repo: with context from the knowledge graph).")
public final class CompleteCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The source file.")
    Path file;

    @Option(names = "--line", required = true, paramLabel = "L", description = "Line of the cursor, from 1.")
    int line;

    @Option(names = "--col", required = true, paramLabel = "C", description = "Column of the cursor, from 1 (characters; 1 = before the first).")
    int col;

    @Mixin
    ModelOptions model;

    @Option(names = "--max-tokens", defaultValue = "64", description = "Longest completion in tokens (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 for greedy (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--repo", paramLabel = "REF", description = "An ingested repository (id, name or folder) the file belongs to: adds the definitions "
            + "of symbols near the cursor and the enclosing type's outline from the graph.")
    String repo;

    @Option(names = "--context-tokens", defaultValue = "1024", description = "Token budget of the graph context (default ${DEFAULT-VALUE}).")
    int contextTokens;

    @Mixin
    GraphOptions graph;

    @Option(names = "--json", description = "Print JSON with the completion, the context files and timings.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        String text = readSource(file);
        int cursor = offset(text, line, col, file);
        List<FimRequest.ContextFile> context = List.of();
        String relPath = file.getFileName().toString(), repoName = null;
        double contextMs = 0;
        KnowledgeGraph kg = null;
        try (LanguageModel lm = model.open()) {
            if (repo != null) {
                kg = graph.open(true);
                RepositoryInfo r = kg.resolveRepository(repo);
                Path root = Path.of(r.path()).toAbsolutePath().normalize();
                Path abs = file.toAbsolutePath().normalize();
                if (!abs.startsWith(root)) {
                    throw new IllegalArgumentException(file + " is not inside repository '" + r.name() + "' (" + root + "); drop --repo or give the repository it belongs to");
                }
                relPath = root.relativize(abs).toString().replace('\\', '/');
                repoName = r.name();
                LanguageModel counter = lm;
                GraphContext.Result gc = new GraphContext(kg.tools(), counter::countTokens)
                        .build(r.id(), relPath, text, cursor, GraphContext.Options.defaults(contextTokens));
                context = gc.files();
                contextMs = gc.millis();
            }
            GenerationOptions o = new GenerationOptions(maxTokens, temperature <= 0 ? SamplingParams.GREEDY
                    : new SamplingParams(temperature, 40, 0.95, 0.05, 1.0, 64, System.nanoTime()), List.of());
            Map<String, Object> out = new LinkedHashMap<>();
            String completion;
            if (lm instanceof LocalLanguageModel local) {
                int need = local.model().tokenizer().encode(text, false, false).length + contextTokens + maxTokens + 64;
                int capacity = Math.max(need + Math.min(256, need / 4) + 64, 512);
                CompletionSession s = CompletionSession.open(local.model(), capacity, EditableCache.Mode.EXACT);
                EditableCache.Stats st = s.open(text, cursor, relPath, repoName, context);
                CompletionSession.Result r = s.complete(cursor, o, null, CancelToken.none());
                completion = r.text();
                out.put("finish_reason", r.finishReason().wireName());
                out.put("generated_tokens", r.generated());
                out.put("prompt_tokens", s.tokens());
                out.put("timings", Map.of("context_ms", round(contextMs), "prompt_ms", round(st.millis()), "first_token_ms", round(r.firstTokenMillis()),
                        "generation_ms", round(r.totalMillis())));
            } else {
                Completion c = lm.fillInMiddle(new FimRequest(text.substring(0, cursor), text.substring(cursor), relPath, repoName, context), o, null,
                        CancelToken.none());
                completion = c.text();
                out.put("finish_reason", c.finishReason().wireName());
                out.put("generated_tokens", c.completionTokens());
                out.put("prompt_tokens", c.promptTokens());
                out.put("timings", Map.of("context_ms", round(contextMs), "total_ms", round(c.time().toNanos() / 1e6)));
            }
            if (json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("file", file.toString());
                j.put("line", line);
                j.put("col", col);
                j.put("completion", completion);
                j.put("context_files", context.stream().map(FimRequest.ContextFile::path).toList());
                j.putAll(out);
                System.out.println(Json.write(j));
            } else {
                System.out.print(completion);
                if (!completion.endsWith("\n")) System.out.println();
            }
            return 0;
        } finally {
            if (kg != null) kg.close();
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** A text file's content; binary or non-UTF-8 files are refused with what to do. */
    static String readSource(Path file) {
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + " is not a file");
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        for (int i = 0; i < Math.min(bytes.length, 8192); i++) {
            if (bytes[i] == 0) throw new IllegalArgumentException(file + " looks binary (it has NUL bytes); completion works on text files");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not UTF-8 text; convert it (e.g. iconv -f latin1 -t utf-8) and try again");
        }
    }

    /** Offset of line L (from 1), column C (from 1, in UTF-16 characters; one past the line's end is its end). */
    static int offset(String text, int line, int col, Path file) {
        if (line < 1 || col < 1) throw new IllegalArgumentException("--line and --col count from 1 (got " + line + ":" + col + ")");
        int start = 0;
        for (int l = 1; l < line; l++) {
            int nl = text.indexOf('\n', start);
            if (nl < 0) throw new IllegalArgumentException(file + " has " + l + " lines; --line " + line + " is past its end");
            start = nl + 1;
        }
        int end = text.indexOf('\n', start);
        if (end < 0) end = text.length();
        if (end > start && text.charAt(end - 1) == '\r') end--;
        if (start + col - 1 > end) {
            throw new IllegalArgumentException("line " + line + " of " + file + " has " + (end - start) + " characters; --col goes from 1 to " + (end - start + 1));
        }
        return start + col - 1;
    }
}
