package carto.inference.model;

import carto.inference.kv.KvCache;
import carto.inference.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import carto.inference.tensor.Q4_0Matrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Numerical parity with llama.cpp: the full last-position logits of every fixture model and
 * prompt match the exact-F32 reference within 1e-3 (cosine >= 0.9999), tokenization matches
 * llama-tokenize, and greedy continuations match wherever the reference margin is above 0.05.
 * Q4_0 runs three ways: repacked (512-bit machines) and row-major in F32, both held to the exact
 * run, and repacked with activations quantized as llama.cpp does, held to llama.cpp's native run.
 * Rounding activations to integers is discontinuous: a last-bit difference in summation order
 * flips a value to the neighbouring integer, and over a long prompt such flips add up to
 * logit differences of a few hundredths (our own batched and one-token-at-a-time paths differ
 * by as much). So quantized runs match the native logits within 1e-3 on the short prompt and,
 * on long ones, lie much closer to the native logits than the exact run does.
 */
class ReferenceParityTest {
    static final double TOL = 1e-3;
    static final List<String> report = new ArrayList<>();

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32", "stories260K-q8_0", "stories260K-bf16",
            "synthetic-llama-dscoder-f16", "synthetic-llama-dscoder-q8_0", "synthetic-llama-dscoder-q6_k",
            "synthetic-llama-dscoder-q5_0", "synthetic-llama-dscoder-q5_k", "synthetic-llama-dscoder-q4_k",
            "synthetic-llama-dscoder-q4_0", "synthetic-qwen2-fim-e256-q8_0"})
    void matchesLlamaCpp(String name) throws IOException {
        compare(name, true, false);
    }

    /** The row-major Q4_0 kernel (narrower machines, or no room for the repacked copy) against the exact run. */
    @Test
    void q4_0WithoutRepackingMatchesTheExactRun() throws IOException {
        compare("synthetic-llama-dscoder-q4_0", false, false);
    }

    /** Repacked Q4_0 with activations quantized as llama.cpp does, against llama.cpp's native run. */
    @Test
    void q4_0WithQuantizedActivationsFollowsLlamaCppsNativeRun() throws IOException {
        compare("synthetic-llama-dscoder-q4_0", true, true);
    }

    private static void compare(String name, boolean repack, boolean quantizeActivations) throws IOException {
        Path refDir = Fixtures.fixture("reference");
        JsonNode ref = new ObjectMapper().readTree(refDir.resolve(name + ".json").toFile());
        Path modelPath = refDir.resolve(ref.get("model_path").asText()).normalize();
        boolean isF32 = name.endsWith("f32");
        try (Model model = Model.load(modelPath, 2, repack, quantizeActivations)) {
            boolean nativeArithmetic = model.weights().output.quantizesActivations();
            if (name.endsWith("q4_0")) {
                assertEquals(repack && quantizeActivations && Q4_0Matrix.repackingAvailable(), nativeArithmetic, "quantized Q4_0 kernel in use");
                assertEquals(repack && Q4_0Matrix.repackingAvailable(), model.weights().output.byteSize() > model.file().tensor("output.weight").byteSize(), "repacked");
            }
            assertEquals(ref.get("n_vocab").asInt(), model.config().vocab());
            for (JsonNode prompt : ref.get("prompts")) {
                String pname = prompt.get("name").asText();
                int[] ids = ints(prompt.get("token_ids"));
                int[] ours = model.tokenizer().encode(prompt.get("text").asText(), prompt.get("add_bos").asBoolean(),
                        prompt.get("parse_special").asBoolean());
                if (!prompt.get("add_bos").asBoolean() || model.vocabulary().addBos) {
                    assertArrayEquals(ids, ours, name + "/" + pname + ": tokenization differs from llama-tokenize");
                }
                JsonNode exact = isF32 || nativeArithmetic ? prompt : prompt.get("exact_f32");
                float[] want = readLogits(refDir.resolve(exact.get("last_logits_file").asText()));
                KvCache cache = model.newCache(ids.length + 24);
                float[] got = model.forward(cache, ids, 0, false);
                double maxErr = 0, dotp = 0, na = 0, nb = 0;
                for (int i = 0; i < want.length; i++) {
                    maxErr = Math.max(maxErr, Math.abs(want[i] - got[i]));
                    dotp += (double) want[i] * got[i];
                    na += (double) want[i] * want[i];
                    nb += (double) got[i] * got[i];
                }
                double cos = dotp / Math.sqrt(na * nb);
                // greedy continuation, compared while the reference margin is clear of our tolerance
                int[] wantGreedy = ints(exact.get("greedy16"));
                double[] margins = doubles(exact.get("greedy16_margin"));
                int compared = 0;
                float[] logits = got;
                int pos = ids.length;
                for (int step = 0; step < 16; step++) {
                    int next = argmax(logits);
                    if (margins[step] <= (nativeArithmetic && ids.length > 8 ? 0.2 : 0.05)) break;
                    assertEquals(wantGreedy[step], next, name + "/" + pname + ": greedy token " + step + " differs (reference margin " + margins[step] + ")");
                    compared++;
                    logits = model.forward(cache, new int[]{next}, pos++, false);
                }
                report.add(String.format("%-32s %-6s %-6s n=%3d maxAbsErr=%.2e cos=%.8f greedyCompared=%d", name, nativeArithmetic ? "native" : "exact", pname, ids.length, maxErr, cos, compared));
                if (nativeArithmetic && ids.length > 8) {
                    float[] exactLogits = readLogits(refDir.resolve(prompt.get("exact_f32").get("last_logits_file").asText()));
                    double dist = rms(got, want), exactRun = rms(exactLogits, want);
                    assertTrue(dist < 0.6 * exactRun, name + "/" + pname + ": RMS distance to llama.cpp's native logits " + dist
                            + " is not well below the exact run's " + exactRun + ": activations are not quantized as llama.cpp does");
                } else {
                    assertTrue(maxErr < TOL, name + "/" + pname + ": max abs logit error " + maxErr + " exceeds " + TOL);
                }
                assertTrue(cos >= 0.9999, name + "/" + pname + ": cosine " + cos);
                if (name.startsWith("stories260K-f32")) assertEquals(16, compared, "stories260K greedy continuation must match all 16 tokens");
            }
        }
    }

    @AfterAll
    static void printReport() {
        report.forEach(System.out::println);
    }

    static double rms(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) (a[i] - b[i]) * (a[i] - b[i]);
        return Math.sqrt(s / a.length);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static int[] ints(JsonNode n) {
        int[] a = new int[n.size()];
        for (int i = 0; i < a.length; i++) a[i] = n.get(i).asInt();
        return a;
    }

    static double[] doubles(JsonNode n) {
        double[] a = new double[n.size()];
        for (int i = 0; i < a.length; i++) a[i] = n.get(i).asDouble();
        return a;
    }

    static float[] readLogits(Path p) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(f);
        return f;
    }
}
