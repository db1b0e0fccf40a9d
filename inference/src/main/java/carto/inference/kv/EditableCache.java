package carto.inference.kv;

import carto.inference.model.ContextOverflowException;
import carto.inference.model.Model;
import carto.inference.model.ModelConfig;
import carto.inference.model.Rope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A token sequence held in a KV cache that can be edited in place. {@link Mode#EXACT} re-encodes
 * from the first changed token (identical to a fresh encode). {@link Mode#PIE} (Positional
 * Integrity Encoding) keeps every unchanged token's keys and values: spans after an edit move to
 * their new positions and their keys are re-rotated by R(Δ) in every layer and KV head, values
 * untouched; only inserted tokens are encoded. {@link Mode#SPLICE} moves spans without
 * re-rotating (the naive baseline). The last token is always recomputed so logits are fresh.
 */
public final class EditableCache {
    public enum Mode { EXACT, PIE, SPLICE }

    /** Replace {@code deleteCount} tokens at {@code position} (old-sequence coordinates) with {@code insert}. */
    public record Edit(int position, int deleteCount, int[] insert) {
        public Edit {
            if (position < 0 || deleteCount < 0) throw new IllegalArgumentException("edit at " + position + " deleting " + deleteCount + " is invalid");
            insert = insert == null ? new int[0] : insert;
        }
    }

    /** What an update did and cost. */
    public record Stats(Mode mode, int reencoded, int moved, int rotated, long nanos) {
        public double millis() {
            return nanos / 1e6;
        }
    }

    private final Model model;
    private final KvCache cache;
    private int[] tokens = new int[0];

    public EditableCache(Model model, int capacity) {
        this.model = model;
        this.cache = model.newCache(capacity);
    }

    /** Makes this cache a copy of {@code other} (same model): its tokens, keys and values. */
    public void copyFrom(EditableCache other) {
        if (other.model != model) throw new IllegalArgumentException("caches of different models");
        cache.copyFrom(other.cache);
        tokens = other.tokens.clone();
    }

    public int[] tokens() {
        return tokens.clone();
    }

    public int length() {
        return tokens.length;
    }

    public KvCache kv() {
        return cache;
    }

    public Model model() {
        return model;
    }

    /** Encodes a whole new sequence. */
    public Stats reset(int[] newTokens) {
        checkCapacity(newTokens.length);
        long t0 = System.nanoTime();
        if (newTokens.length > 0) model.encode(cache, newTokens, 0);
        cache.setLength(newTokens.length);
        tokens = newTokens.clone();
        return new Stats(Mode.EXACT, newTokens.length, 0, 0, System.nanoTime() - t0);
    }

    private void checkCapacity(int n) {
        if (n > cache.capacity()) {
            throw new ContextOverflowException("the document needs " + n + " tokens but the session's context holds " + cache.capacity()
                    + "; start the session with a larger context or let it window the file");
        }
    }

    /** The sequence after edits (sorted, non-overlapping, old coordinates), without touching the cache. */
    public static int[] applied(int[] old, List<Edit> edits) {
        validate(old.length, edits);
        int delta = 0;
        for (Edit e : edits) delta += e.insert().length - e.deleteCount();
        int[] out = new int[old.length + delta];
        int src = 0, dst = 0;
        for (Edit e : edits) {
            int keep = e.position() - src;
            System.arraycopy(old, src, out, dst, keep);
            dst += keep;
            System.arraycopy(e.insert(), 0, out, dst, e.insert().length);
            dst += e.insert().length;
            src = e.position() + e.deleteCount();
        }
        System.arraycopy(old, src, out, dst, old.length - src);
        return out;
    }

    static void validate(int length, List<Edit> edits) {
        int end = 0;
        for (Edit e : edits) {
            if (e.position() < end) throw new IllegalArgumentException("edits must be sorted and must not overlap (edit at " + e.position() + ")");
            if (e.position() + e.deleteCount() > length) {
                throw new IllegalArgumentException("edit at " + e.position() + " deletes " + e.deleteCount() + " tokens past the end of the sequence (" + length + ")");
            }
            end = e.position() + e.deleteCount();
        }
    }

    /** Applies edits to the cache in the given mode. */
    public Stats apply(List<Edit> edits, Mode mode) {
        List<Edit> es = edits.stream().filter(e -> e.deleteCount() > 0 || e.insert().length > 0).toList();
        int[] next = applied(tokens, es);
        checkCapacity(next.length);
        int vocab = model.config().vocab();
        for (Edit e : es) {
            for (int t : e.insert()) {
                if (t < 0 || t >= vocab) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        long t0 = System.nanoTime();
        if (es.isEmpty()) return new Stats(mode, 0, 0, 0, 0);
        if (mode == Mode.EXACT) {
            int first = es.getFirst().position();
            if (first < next.length) model.encode(cache, Arrays.copyOfRange(next, first, next.length), first);
            cache.setLength(next.length);
            tokens = next;
            return new Stats(mode, next.length - first, 0, 0, System.nanoTime() - t0);
        }
        // unchanged spans between edits, with where they go
        record Span(int from, int to, int count) {}
        List<Span> spans = new ArrayList<>();
        int src = 0, shift = 0;
        for (Edit e : es) {
            if (src < e.position() && shift != 0) spans.add(new Span(src, src + shift, e.position() - src));
            shift += e.insert().length - e.deleteCount();
            src = e.position() + e.deleteCount();
        }
        if (src < tokens.length && shift != 0) spans.add(new Span(src, src + shift, tokens.length - src));
        // move right-shifted spans from the right, left-shifted ones from the left, so nothing is overwritten
        int moved = 0;
        for (int i = spans.size() - 1; i >= 0; i--) {
            Span s = spans.get(i);
            if (s.to() > s.from()) cache.move(s.from(), s.to(), s.count());
        }
        for (Span s : spans) {
            if (s.to() < s.from()) cache.move(s.from(), s.to(), s.count());
            moved += s.count();
        }
        int rotated = 0;
        if (mode == Mode.PIE) {
            for (Span s : spans) rotated += rerotate(s.to(), s.count(), s.to() - s.from());
        }
        // encode inserted tokens at their new positions, left to right
        int reencoded = 0, offset = 0;
        for (Edit e : es) {
            int at = e.position() + offset;
            if (e.insert().length > 0) {
                model.encode(cache, e.insert(), at);
                reencoded += e.insert().length;
            }
            offset += e.insert().length - e.deleteCount();
        }
        cache.setLength(next.length);
        tokens = next;
        return new Stats(mode, reencoded, moved, rotated, System.nanoTime() - t0);
    }

    /** Rotates the keys at positions [start, start+count) by the RoPE angle of {@code delta}, every layer and KV head. */
    private int rerotate(int start, int count, int delta) {
        ModelConfig c = model.config();
        Rope rope = model.rope();
        float[] cs = new float[c.ropeDims()];
        rope.deltaAngles(delta, cs);
        int kvDim = cache.kvDim();
        for (int l = 0; l < cache.layers(); l++) {
            float[] keys = cache.keys(l);
            for (int p = start; p < start + count; p++) {
                int base = p * kvDim;
                for (int h = 0; h < c.kvHeads(); h++) rope.rotate(keys, base + h * c.headDim(), cs);
            }
        }
        return count;
    }

    /** Logits after the last token, recomputing it against the current cache. */
    public float[] lastLogits() {
        if (tokens.length == 0) throw new IllegalStateException("empty sequence");
        return model.forward(cache, new int[]{tokens[tokens.length - 1]}, tokens.length - 1, false);
    }
}
