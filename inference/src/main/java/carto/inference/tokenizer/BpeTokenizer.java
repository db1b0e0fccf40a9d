package carto.inference.tokenizer;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Byte-level BPE (GPT-2 style): the pre-tokenizer splits text into words, each word's UTF-8
 * bytes are mapped to printable characters, and merges apply lowest-rank-first.
 */
public final class BpeTokenizer extends Tokenizer {
    private static final int CACHE_LIMIT = 50_000;

    private final PreTokenizer pre;
    private final Map<String, Integer> ranks;
    private final boolean ignoreMerges;
    private final Map<String, int[]> cache = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> e) {
            return size() > CACHE_LIMIT;
        }
    };

    BpeTokenizer(Vocabulary vocab) {
        super(vocab);
        this.pre = PreTokenizer.forName(vocab.pre);
        this.ranks = new HashMap<>(vocab.merges.length * 2);
        for (int i = 0; i < vocab.merges.length; i++) ranks.putIfAbsent(vocab.merges[i], i);
        this.ignoreMerges = List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral").contains(vocab.pre);
    }

    @Override
    protected void encodeFragments(List<Fragment> fragments, boolean addSpecial, boolean continuation, IntList out) {
        if (addSpecial && vocab.addBos && vocab.bos >= 0) out.add(vocab.bos);
        for (Fragment f : fragments) {
            if (f.isText()) {
                for (String word : pre.split(f.slice())) {
                    for (int id : encodeWord(ByteLevel.encode(word))) out.add(id);
                }
            } else {
                out.add(f.token());
            }
        }
        if (addSpecial && vocab.addEos && vocab.eos >= 0) out.add(vocab.eos);
    }

    private int[] encodeWord(String word) {
        synchronized (cache) {
            int[] hit = cache.get(word);
            if (hit != null) return hit;
        }
        int[] ids = merge(word);
        synchronized (cache) {
            cache.put(word, ids);
        }
        return ids;
    }

    private int[] merge(String word) {
        if (ignoreMerges) {
            int id = vocab.id(word);
            if (id >= 0) return new int[]{id};
        }
        int n = word.length(); // byte-level text: one char per byte, all in the BMP
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            start[i] = i;
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        record Bigram(int left, int right, int rank, String text) {}
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        java.util.function.BiConsumer<Integer, Integer> add = (l, r) -> {
            if (l < 0 || r < 0) return;
            String left = word.substring(start[l], start[l] + len[l]);
            String right = word.substring(start[r], start[r] + len[r]);
            Integer rank = ranks.get(left + " " + right);
            if (rank != null) queue.add(new Bigram(l, r, rank, left + right));
        };
        for (int i = 1; i < n; i++) add.accept(i - 1, i);
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left, r = bg.right;
            if (len[l] == 0 || len[r] == 0) continue;
            if (len[l] + len[r] != bg.text.length() || !word.startsWith(bg.text, start[l])) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            add.accept(prev[l], l);
            add.accept(l, next[l]);
        }
        IntList out = new IntList();
        for (int i = 0; i != -1; i = next[i]) {
            String piece = word.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                for (int k = 0; k < piece.length(); k++) {
                    int b = vocab.id(piece.substring(k, k + 1));
                    if (b >= 0) out.add(b);
                }
            }
        }
        return out.toArray();
    }

    @Override
    protected byte[] normalBytes(int id, int attr, String text) {
        return ByteLevel.decode(text);
    }
}
