package carto.ingest.parse;

import carto.graph.FileGraph;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * What resolving other files against one file depends on, so a re-ingest can tell which of its
 * users an edit affects. {@code parts} has one hash for the file outside its definitions, then one
 * per definition in order: its kind, name and qualified name and, for Java (whose symbol solver reads
 * declarations themselves), its own text without bodies of methods, constructors and initializers,
 * without comments, without the definitions nested in it, white space collapsed. {@code hash}
 * covers all of them: equal hashes, nothing any other file resolves differently.
 */
public record FileShape(String hash, List<String> parts) {
    public FileShape {
        parts = List.copyOf(parts);
    }

    /**
     * The shape of a parsed file: {@code skips} are the byte ranges Java's shape leaves out (bodies,
     * comments), or none for a language resolved by name, whose shape is its definitions alone.
     */
    static FileShape of(List<FileGraph.AstNodeRecord> nodes, byte[] src, List<int[]> skips, boolean withText) {
        List<int[]> sortedSkips = new ArrayList<>(skips);
        sortedSkips.sort(Comparator.comparingInt(r -> r[0]));
        // each definition's nearest enclosing definition, through the node parents
        List<Integer> defs = new ArrayList<>();
        int[] defParent = new int[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            int p = nodes.get(i).parent();
            while (p >= 0 && nodes.get(p).kind() == null) p = nodes.get(p).parent();
            defParent[i] = p;
            if (nodes.get(i).kind() != null) defs.add(i);
        }
        List<List<int[]>> children = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) children.add(null);
        List<int[]> topLevel = new ArrayList<>();
        for (int d : defs) {
            int[] range = {nodes.get(d).startByte(), nodes.get(d).endByte()};
            int p = defParent[d];
            if (p < 0) {
                topLevel.add(range);
            } else {
                if (children.get(p) == null) children.set(p, new ArrayList<>());
                children.get(p).add(range);
            }
        }
        MessageDigest all = sha1();
        List<String> parts = new ArrayList<>(defs.size() + 1);
        parts.add(part(withText ? text(src, 0, src.length, topLevel, sortedSkips) : new byte[0], all));
        for (int d : defs) {
            FileGraph.AstNodeRecord a = nodes.get(d);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes((a.kind() + "\0" + a.name() + "\0" + a.qualifiedName() + "\0").getBytes(StandardCharsets.UTF_8));
            if (withText) {
                List<int[]> nested = children.get(d) == null ? List.of() : children.get(d);
                b.writeBytes(text(src, a.startByte(), a.endByte(), nested, sortedSkips));
            }
            parts.add(part(b.toByteArray(), all));
        }
        return new FileShape(HexFormat.of().formatHex(all.digest()), parts);
    }

    /** A short hash of one part, which also goes into the whole file's hash. */
    private static String part(byte[] bytes, MessageDigest all) {
        all.update(bytes);
        all.update((byte) '\n');
        byte[] h = sha1().digest(bytes);
        return HexFormat.of().formatHex(h, 0, 8);
    }

    /** The bytes of [from, to) without the ranges excluded (nested definitions) or skipped, white space collapsed. */
    private static byte[] text(byte[] src, int from, int to, List<int[]> excluded, List<int[]> skips) {
        List<int[]> cut = new ArrayList<>(excluded);
        // the skips that start inside the range, and the one just before it: that one covers the whole range when
        // the definition lies in a body (a local or anonymous class) and no comment of the body comes in between;
        // otherwise such a definition's text counts, which only makes the shape stricter
        int lo = 0, hi = skips.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (skips.get(mid)[0] < from) lo = mid + 1;
            else hi = mid;
        }
        for (int i = Math.max(0, lo - 1); i < skips.size() && skips.get(i)[0] < to; i++) cut.add(skips.get(i));
        cut.sort(Comparator.comparingInt(r -> r[0]));
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, (to - from) / 2));
        int at = from;
        boolean space = false;
        for (int[] c : cut) {
            if (c[1] <= at) continue;
            if (c[0] > at) space = copyCollapsed(src, at, Math.min(c[0], to), out, space);
            if (!space) out.write(' ');
            space = true;
            at = Math.max(at, c[1]);
            if (at >= to) break;
        }
        if (at < to) copyCollapsed(src, at, to, out, space);
        return out.toByteArray();
    }

    /** Copies bytes, each run of white space as one blank; returns whether the last byte written was one. */
    private static boolean copyCollapsed(byte[] src, int from, int to, ByteArrayOutputStream out, boolean space) {
        for (int i = from; i < to; i++) {
            byte b = src[i];
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f') {
                if (!space) out.write(' ');
                space = true;
            } else {
                out.write(b);
                space = false;
            }
        }
        return space;
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
