package carto.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece (BPE by scores) as llama.cpp runs it: spaces become U+2581, a space is
 * prefixed at the start and after special tokens, adjacent pieces merge best-score-first, and
 * pieces that are not in the vocabulary fall back to byte tokens {@code <0xXX>}.
 */
public final class SpmTokenizer extends Tokenizer {
    private final int[] byteTokens = new int[256];

    SpmTokenizer(Vocabulary vocab) {
        super(vocab);
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0) {
                String s = new String(new byte[]{(byte) b}, StandardCharsets.ISO_8859_1);
                id = b < 128 ? vocab.id(s) : Vocabulary.NULL;
            }
            byteTokens[b] = id < 0 ? vocab.unk : id;
        }
    }

    @Override
    protected void encodeFragments(List<Fragment> fragments, boolean addSpecial, boolean continuation, IntList out) {
        boolean prevSpecial = !continuation;
        if (addSpecial && vocab.addBos && vocab.bos >= 0) out.add(vocab.bos);
        for (Fragment f : fragments) {
            if (f.isText()) {
                String text = (vocab.addSpacePrefix && prevSpecial ? " " : "") + f.slice();
                encodeText(text.replace(' ', '\u2581'), out);
                prevSpecial = false;
            } else {
                out.add(f.token());
                prevSpecial = true;
            }
        }
        if (addSpecial && vocab.addEos && vocab.eos >= 0) out.add(vocab.eos);
    }

    private void encodeText(String text, IntList out) {
        if (text.isEmpty()) return;
        // symbols over code points, linked list by prev/next
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            int cp = text.codePointAt(off);
            start[i] = off;
            len[i] = Character.charCount(cp);
            off += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        record Bigram(int left, int right, float score, int size) {}
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        Map<String, int[]> revMerge = new HashMap<>();
        java.util.function.BiConsumer<Integer, Integer> tryAdd = (l, r) -> {
            if (l < 0 || r < 0) return;
            String s = text.substring(start[l], start[l] + len[l] + len[r]);
            int id = vocab.id(s);
            if (id < 0) return;
            queue.add(new Bigram(l, r, vocab.scores[id], s.length()));
            revMerge.put(s, new int[]{l, r});
        };
        for (int i = 1; i < n; i++) tryAdd.accept(i - 1, i);
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left, r = bg.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg.size) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            tryAdd.accept(prev[l], l);
            tryAdd.accept(l, next[l]);
        }
        // like llama.cpp, resegmenting reads the symbols' final extents
        for (int i = 0; i != -1; i = next[i]) resegment(text, start[i], len[i], start, len, revMerge, out);
    }

    private void resegment(String text, int s, int l, int[] start, int[] len, Map<String, int[]> revMerge, IntList out) {
        String piece = text.substring(s, s + l);
        int id = vocab.id(piece);
        if (id >= 0) {
            out.add(id);
            return;
        }
        int[] p = revMerge.get(piece);
        if (p == null) {
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) out.add(byteTokens[b & 0xff]);
            return;
        }
        resegment(text, start[p[0]], len[p[0]], start, len, revMerge, out);
        resegment(text, start[p[1]], len[p[1]], start, len, revMerge, out);
    }

    @Override
    protected byte[] normalBytes(int id, int attr, String text) {
        if ((attr & Vocabulary.BYTE) != 0 && text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            return new byte[]{(byte) Integer.parseInt(text.substring(3, 5), 16)};
        }
        return text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }
}
