package carto.inference.fim;

import carto.inference.tokenizer.Tokenizer;
import carto.inference.tokenizer.Vocabulary;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Text kept together with its tokenization. An edit re-tokenizes only a window of tokens around
 * the change and finds where the new tokens re-synchronize with the old ones on both sides (a
 * BPE merge can change across the edit boundary); the window grows until both sides agree, or
 * covers the whole text. The result is always the tokenization of the whole new text.
 */
public final class TokenizedText {
    /** Old tokens [{@code start}, {@code start+deleted}) became {@code inserted}. */
    public record Change(int start, int deleted, int[] inserted) {
        public boolean isEmpty() {
            return deleted == 0 && inserted.length == 0;
        }
    }

    private final Tokenizer tokenizer;
    private final boolean spacePrefix;
    private byte[] bytes = new byte[0];
    private int[] ids = new int[0];
    /** ends[i]: byte offset where token i ends; token i starts at ends[i-1] (or 0). */
    private int[] ends = new int[0];
    private int minAgreement = 2;

    public TokenizedText(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        Vocabulary v = tokenizer.vocabulary();
        this.spacePrefix = v.kind == Vocabulary.Kind.SPM && v.addSpacePrefix;
    }

    /** An independent copy (edits can be tried on it and committed only when they succeed). */
    public TokenizedText copy() {
        TokenizedText t = new TokenizedText(tokenizer);
        t.bytes = bytes;
        t.ids = ids;
        t.ends = ends;
        return t;
    }

    public int[] ids() {
        return ids.clone();
    }

    public int size() {
        return ids.length;
    }

    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public int byteLength() {
        return bytes.length;
    }

    /** Replaces everything; the change covers all tokens. */
    public Change set(String text) {
        int old = ids.length;
        bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] t = tokenizeAt(0, bytes.length, bytes);
        ids = t;
        ends = ends(t, true);
        return new Change(0, old, t.clone());
    }

    /** Replaces bytes [start, end) with {@code text}. */
    public Change replace(int start, int end, String text) {
        if (start < 0 || end < start || end > bytes.length) {
            throw new IllegalArgumentException("range [" + start + ", " + end + ") is outside the text (" + bytes.length + " bytes)");
        }
        byte[] ins = text.getBytes(StandardCharsets.UTF_8);
        byte[] next = new byte[bytes.length - (end - start) + ins.length];
        System.arraycopy(bytes, 0, next, 0, start);
        System.arraycopy(ins, 0, next, start, ins.length);
        System.arraycopy(bytes, end, next, start + ins.length, bytes.length - end);
        int delta = ins.length - (end - start);
        if (ids.length == 0) {
            bytes = next;
            int[] t = tokenizeAt(0, next.length, next);
            ids = t;
            ends = ends(t, true);
            return new Change(0, 0, t.clone());
        }
        int a = tokenAt(start), b = tokenAt(end);
        for (int margin = 4; ; margin *= 2) {
            int wl = Math.max(0, a - margin), wr = Math.min(ids.length, b + 1 + margin);
            Change c = resync(next, start, end, delta, wl, wr);
            if (c != null) {
                bytes = next;
                int[] nid = new int[ids.length - c.deleted() + c.inserted().length];
                System.arraycopy(ids, 0, nid, 0, c.start());
                System.arraycopy(c.inserted(), 0, nid, c.start(), c.inserted().length);
                System.arraycopy(ids, c.start() + c.deleted(), nid, c.start() + c.inserted().length, ids.length - c.start() - c.deleted());
                int[] nends = new int[nid.length];
                System.arraycopy(ends, 0, nends, 0, c.start());
                int acc = c.start() == 0 ? 0 : ends[c.start() - 1];
                for (int i = 0; i < c.inserted().length; i++) {
                    acc += tokenLength(c.inserted()[i], c.start() + i == 0);
                    nends[c.start() + i] = acc;
                }
                for (int i = c.start() + c.deleted(), o = c.start() + c.inserted().length; i < ids.length; i++, o++) nends[o] = ends[i] + delta;
                ids = nid;
                ends = nends;
                return c;
            }
            if (wl == 0 && wr == ids.length) throw new IllegalStateException("tokenization did not converge: replacing [" + start + "," + end + ") of "
                    + java.util.Arrays.toString(bytes) + " by '" + text + "'");
        }
    }

    /**
     * Tokenizes the window of old tokens [wl, wr) in the new text and finds sync points: the
     * window's tokens must agree with the old ones up to a boundary before the edit and from a
     * boundary after it (unless the window reaches the text's start or end). Null when they do not.
     */
    private Change resync(byte[] next, int start, int end, int delta, int wl, int wr) {
        int wStart = wl == 0 ? 0 : ends[wl - 1];
        int wEndOld = wr == 0 ? 0 : ends[wr - 1];
        int wEndNew = wEndOld + delta;
        // a byte-level token can end inside a UTF-8 character: such a window cannot be decoded on its own
        if (!charBoundary(next, wStart) || !charBoundary(next, wEndNew)) return null;
        int[] w = tokenizeAt(wStart, wEndNew, next);
        int[] wEnds = new int[w.length];
        int acc = wStart;
        for (int i = 0; i < w.length; i++) {
            acc += tokenLength(w[i], wStart == 0 && i == 0);
            wEnds[i] = acc;
        }
        if (acc != wEndNew) return null; // byte accounting broke (should not happen): widen
        // left: leading window tokens equal to old tokens, ending at or before the edit
        int j = 0;
        while (j < w.length && wl + j < ids.length && w[j] == ids[wl + j] && wEnds[j] <= start && wEnds[j] == ends[wl + j]) j++;
        if (wl > 0 && j < minAgreement) return null;
        // right: trailing window tokens equal to old tokens, starting at or after the edit
        int k = 0;
        while (k < w.length - j && wr - 1 - k >= wl + j) {
            int wi = w.length - 1 - k, oi = wr - 1 - k;
            int wBegin = wi == 0 ? wStart : wEnds[wi - 1];
            int oBegin = oi == 0 ? 0 : ends[oi - 1];
            if (w[wi] != ids[oi] || wBegin < start + Math.max(0, end - start + delta) || wBegin - delta != oBegin) break;
            k++;
        }
        if (wr < ids.length && k < minAgreement) return null;
        int oldStart = wl + j, oldEnd = wr - k;
        int[] inserted = Arrays.copyOfRange(w, j, w.length - k);
        return new Change(oldStart, oldEnd - oldStart, inserted);
    }

    private static boolean charBoundary(byte[] text, int at) {
        return at <= 0 || at >= text.length || (text[at] & 0xC0) != 0x80;
    }

    /** Index of the token containing byte {@code at} (the last token when at the end). */
    private int tokenAt(int at) {
        int i = Arrays.binarySearch(ends, at);
        int idx = i >= 0 ? i + 1 : -i - 1;
        return Math.min(idx, ids.length - 1);
    }

    private int[] tokenizeAt(int from, int to, byte[] text) {
        String s = new String(text, from, to - from, StandardCharsets.UTF_8);
        return from == 0 ? tokenizer.encode(s, false, false) : tokenizer.encodeContinuation(s);
    }

    private int tokenLength(int id, boolean first) {
        int n = tokenizer.tokenBytes(id, true).length;
        // a SentencePiece segment starts with a virtual space that is not in the text
        if (first && spacePrefix) n = Math.max(0, n - 1);
        return n;
    }

    private int[] ends(int[] t, boolean fromStart) {
        int[] e = new int[t.length];
        int acc = 0;
        for (int i = 0; i < t.length; i++) {
            acc += tokenLength(t[i], fromStart && i == 0);
            e[i] = acc;
        }
        return e;
    }

    /** Byte offset of the UTF-16 char index {@code charIndex} of the current text. */
    public int byteOffset(String text, int charIndex) {
        return text.substring(0, charIndex).getBytes(StandardCharsets.UTF_8).length;
    }
}
