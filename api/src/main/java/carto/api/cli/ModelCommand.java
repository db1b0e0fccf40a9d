package carto.api.cli;

import carto.api.Json;
import carto.api.ProgressBar;
import carto.inference.chat.ChatTemplate;
import carto.inference.convert.ModelQuantizer;
import carto.inference.convert.SyntheticModel;
import carto.inference.download.ModelDownloader;
import carto.inference.fim.FimFormat;
import carto.inference.gguf.GgmlType;
import carto.inference.gguf.GgufException;
import carto.inference.gguf.GgufFile;
import carto.inference.gguf.GgufTensor;
import carto.inference.kv.KvCache;
import carto.inference.model.Model;
import carto.inference.model.ModelConfig;
import carto.inference.tokenizer.Vocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "model", description = "Inspect, convert, synthesize and download GGUF models.",
        subcommands = {ModelCommand.Info.class, ModelCommand.Quantize.class, ModelCommand.Synth.class, ModelCommand.Pull.class, ModelCommand.ListModels.class})
public final class ModelCommand implements Runnable {
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "choose: info, quantize, synth, pull or list");
    }

    @Command(name = "info", description = "Architecture, tensor types, size, tokenizer and the memory a context needs.")
    public static final class Info implements Callable<Integer> {
        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--ctx", defaultValue = "4096", description = "Context size for the memory estimate (default ${DEFAULT-VALUE}).")
        int ctx;

        @Option(names = "--json")
        boolean json;

        @Override
        public Integer call() {
            Map<String, Object> r = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            try (GgufFile f = GgufFile.open(file)) {
                r.put("file", file.toAbsolutePath().toString());
                r.put("gguf_version", f.version());
                r.put("file_bytes", f.fileSize());
                r.put("architecture", f.getString("general.architecture", "(none)"));
                r.put("name", f.getString("general.name", null));
                Map<String, Integer> types = new TreeMap<>();
                for (GgufTensor t : f.tensors()) {
                    types.merge(t.type().name(), 1, Integer::sum);
                    if (!t.type().supported) problems.add("tensor " + t.name() + " has unsupported type " + t.type());
                }
                r.put("tensor_types", types);
                r.put("tensors", f.tensors().size());
                try {
                    ModelConfig c = ModelConfig.from(f);
                    Map<String, Object> cfg = new LinkedHashMap<>();
                    cfg.put("embedding", c.embd());
                    cfg.put("layers", c.layers());
                    cfg.put("heads", c.heads());
                    cfg.put("kv_heads", c.kvHeads());
                    cfg.put("head_dim", c.headDim());
                    cfg.put("ffn", c.ffn());
                    cfg.put("vocab", c.vocab());
                    cfg.put("context_trained", c.contextTrain());
                    cfg.put("rope", c.family().ropeStyle() + " base " + c.ropeBase() + (c.ropeScaling() != carto.inference.model.Rope.Scaling.NONE
                            ? " scaling " + c.ropeScaling() + " x" + c.ropeScaleFactor() : ""));
                    r.put("config", cfg);
                    r.put("kv_cache_bytes", KvCache.bytesFor(c, ctx));
                    r.put("memory_needed_bytes", Model.memoryEstimate(f, c, ctx, 256));
                    r.put("memory_context", ctx);
                } catch (GgufException e) {
                    problems.add(e.getMessage());
                }
                try {
                    Vocabulary v = Vocabulary.from(f);
                    r.put("tokenizer", v.model + (v.kind == Vocabulary.Kind.BPE ? " / " + v.pre : ""));
                    r.put("vocab_size", v.size());
                    r.put("chat_template", ChatTemplate.detect(v).name().toLowerCase(Locale.ROOT));
                    r.put("fim", FimFormat.of(v).map(FimFormat::family).orElse("none"));
                } catch (GgufException e) {
                    problems.add(e.getMessage());
                }
            }
            r.put("status", problems.isEmpty() ? "supported" : "not runnable");
            if (!problems.isEmpty()) r.put("problems", problems);
            if (json) {
                System.out.println(Json.write(r));
            } else {
                r.forEach((k, v) -> System.out.println(String.format(Locale.ROOT, "%-20s %s", k, v instanceof Long l && k.endsWith("bytes") ? human(l) : v)));
            }
            if (r.get("memory_needed_bytes") instanceof Long need && need > physicalMemory()) {
                System.err.println("warning: with a " + ctx + "-token context this model needs about " + human(need) + " but the machine has "
                        + human(physicalMemory()) + "; use a smaller --ctx or a smaller quantization");
            }
            return problems.isEmpty() ? 0 : 2;
        }
    }

    static long physicalMemory() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean o ? o.getTotalMemorySize() : Long.MAX_VALUE;
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, u[i]);
    }

    @Command(name = "quantize", description = "Re-write a model with its weight matrices in TYPE (F32, F16, BF16, Q8_0, Q4_0), like llama-quantize --pure.")
    public static final class Quantize implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IN")
        Path in;

        @Parameters(index = "1", paramLabel = "OUT")
        Path out;

        @Parameters(index = "2", paramLabel = "TYPE")
        String type;

        @Option(names = "--allow-requantize", description = "Allow quantizing tensors that are already quantized.")
        boolean allowRequantize;

        @Override
        public Integer call() throws Exception {
            GgmlType t = parseType(type);
            var changes = ModelQuantizer.quantize(in, out, t, allowRequantize, msg -> System.err.println("  " + msg));
            long converted = changes.stream().filter(c -> c.from() != c.to()).count();
            changes.stream().filter(c -> !c.note().isEmpty() && !c.note().equals("copied")).forEach(c -> System.err.println("note: " + c.tensor() + ": " + c.note()));
            System.out.println("wrote " + out + " (" + converted + " tensors converted to " + t + ", " + human(java.nio.file.Files.size(out)) + ")");
            return 0;
        }
    }

    static GgmlType parseType(String s) {
        try {
            return GgmlType.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown tensor type '" + s + "'; use F32, F16, BF16, Q8_0 or Q4_0");
        }
    }

    @Command(name = "synth", description = "Write a model with random weights in the exact shape of a real one (for speed and memory work).")
    public static final class Synth implements Callable<Integer> {
        @Option(names = "--shape", required = true, description = "Model shape: ${COMPLETION-CANDIDATES}", completionCandidates = Shapes.class)
        String shape;

        @Option(names = "--type", defaultValue = "Q8_0", description = "Weight type: F32, F16, BF16, Q8_0, Q4_0 (default ${DEFAULT-VALUE}).")
        String type;

        @Option(names = "--vocab", paramLabel = "GGUF", description = "Copy the tokenizer of this (vocab) GGUF; it must have the shape's vocabulary size.")
        Path vocab;

        @Option(names = "--seed", defaultValue = "1")
        long seed;

        @Parameters(paramLabel = "OUT")
        Path out;

        @Override
        public Integer call() throws Exception {
            SyntheticModel.write(SyntheticModel.shape(shape), parseType(type), out, vocab, seed, null);
            System.out.println("wrote " + out + " (" + human(java.nio.file.Files.size(out)) + ", random weights in the shape of " + shape + ")");
            return 0;
        }
    }

    static final class Shapes extends ArrayList<String> {
        Shapes() {
            super(SyntheticModel.SHAPES.stream().map(SyntheticModel.Shape::name).toList());
        }
    }

    @Command(name = "pull", description = "Download a model by name or URL (resumes, checks SHA-256, verifies GGUF).")
    public static final class Pull implements Callable<Integer> {
        @Parameters(paramLabel = "NAME|URL")
        String what;

        @Option(names = "--dir", paramLabel = "DIR", description = "Where to store models (default: ~/.carto/models).")
        Path dir;

        @Option(names = "--sha256", paramLabel = "HEX", description = "Expected SHA-256 of the file.")
        String sha256;

        @Override
        public Integer call() throws Exception {
            Path target = dir != null ? dir : Path.of(System.getProperty("user.home"), ".carto", "models");
            ModelDownloader.Source s = ModelDownloader.resolve(what, sha256);
            ProgressBar bar = new ProgressBar("bytes");
            bar.phase("downloading");
            Path p;
            try {
                p = new ModelDownloader(System.getenv("HF_TOKEN")).pull(s, target, bar::update);
            } finally {
                bar.finish();
            }
            System.out.println(p + (s.sha256() == null ? "  sha256 " + ModelDownloader.sha256(p) : "  (sha256 verified)"));
            return 0;
        }
    }

    @Command(name = "list", description = "Models known by name to 'pull', and shapes known to 'synth'.")
    public static final class ListModels implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println("pull:");
            ModelDownloader.REGISTRY.values().forEach(s -> System.out.println("  " + s.name() + "  " + s.url()));
            System.out.println("synth shapes:");
            SyntheticModel.SHAPES.forEach(s -> System.out.println(String.format(Locale.ROOT, "  %-22s %s embd=%d layers=%d heads=%d/%d ffn=%d vocab=%d",
                    s.name(), s.arch(), s.embd(), s.layers(), s.heads(), s.kvHeads(), s.ffn(), s.vocab())));
            return 0;
        }
    }
}
