package carto.ingest.semantic;

import carto.graph.CodeGraph;
import carto.graph.SemanticEdge;
import carto.ingest.parse.RawReference;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves the names a file uses to definitions in the same repository, the way a reader would:
 * the enclosing scope and file first, then files it imports, then its directory, then a unique
 * definition anywhere in the repository. Ambiguous names stay unresolved rather than guessed.
 * Every edge is marked {@code resolution: "heuristic"}.
 */
public final class HeuristicResolver {
    private static final Set<String> CALLABLE = Set.of("function", "method", "constructor", "macro", "class", "struct", "record");
    private static final Set<String> TYPES = Set.of("class", "interface", "struct", "trait", "enum", "record", "object", "union", "typedef", "type", "module");

    private final Map<String, List<CodeGraph.Definition>> byName = new HashMap<>();
    private final Map<String, List<CodeGraph.Definition>> byFile = new HashMap<>();
    private final Map<String, Scopes> scopes = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, CodeGraph.Definition> byQualifiedName = new HashMap<>();
    private final Map<String, String> languages;
    private final Set<String> files;
    private final Map<String, List<String>> bySuffix = new HashMap<>();
    private final String goModule;

    /** {@code languages}: every file of the repository with its language id. */
    public HeuristicResolver(Collection<CodeGraph.Definition> definitions, Map<String, String> languages, String goModule) {
        for (CodeGraph.Definition d : definitions) {
            if (d.name() != null) byName.computeIfAbsent(d.name(), k -> new ArrayList<>()).add(d);
            byFile.computeIfAbsent(d.path(), k -> new ArrayList<>()).add(d);
            if (d.qualifiedName() != null) byQualifiedName.putIfAbsent(d.qualifiedName(), d);
        }
        for (List<CodeGraph.Definition> l : byFile.values()) l.sort(Comparator.comparingInt(CodeGraph.Definition::startByte));
        this.languages = languages;
        this.files = languages.keySet();
        for (String f : files) {
            String base = f.substring(f.lastIndexOf('/') + 1);
            bySuffix.computeIfAbsent(base, k -> new ArrayList<>()).add(f);
        }
        this.goModule = goModule;
    }

    /** Edges for one file's references. */
    public List<SemanticEdge> resolve(String path, List<RawReference> refs) {
        List<SemanticEdge> edges = new ArrayList<>();
        String lang = languages.get(path);
        Set<String> imported = new LinkedHashSet<>();
        for (RawReference r : refs) {
            if (r.kind() != RawReference.Kind.IMPORT) continue;
            for (String target : resolveImport(path, lang, r.name(), r.owner())) {
                if (!target.equals(path) && imported.add(target)) {
                    edges.add(new SemanticEdge(SemanticEdge.Type.IMPORTS, path, 0, target, 0, r.line(), SemanticEdge.Resolution.HEURISTIC));
                }
            }
        }
        // inheritance first, so a base type named in a class header is not also reported as a plain reference
        Set<String> inherited = new java.util.HashSet<>();
        for (RawReference r : refs) {
            if (r.kind() != RawReference.Kind.INHERIT) continue;
            CodeGraph.Definition sub = null;
            for (CodeGraph.Definition d : byFile.getOrDefault(path, List.of())) {
                if (d.startByte() <= r.startByte() && r.startByte() < d.endByte() && r.owner().equals(d.name()) && TYPES.contains(d.kind())) sub = d;
            }
            if (sub == null) sub = pick(path, lang, r.owner(), TYPES, imported, null); // e.g. Rust `impl Trait for Type`
            if (sub == null) continue;
            CodeGraph.Definition base = pick(path, lang, r.name(), TYPES, imported, null);
            if (base == null || base.equals(sub)) continue;
            SemanticEdge.Type t = base.kind().equals("interface") || base.kind().equals("trait") ? SemanticEdge.Type.IMPLEMENTS : SemanticEdge.Type.EXTENDS;
            edges.add(new SemanticEdge(t, path, sub.startByte(), base.path(), base.startByte(), r.line(), SemanticEdge.Resolution.HEURISTIC));
            inherited.add(base.path() + "#" + base.startByte() + "@" + r.line());
        }
        for (RawReference r : refs) {
            if (r.kind() != RawReference.Kind.CALL && r.kind() != RawReference.Kind.REFERENCE) continue;
            // outside every definition (module-level code, a test's top-level callbacks), the file itself refers
            CodeGraph.Definition from = enclosing(path, r.startByte());
            Set<String> kinds = r.kind() == RawReference.Kind.CALL ? CALLABLE : TYPES;
            CodeGraph.Definition to = pick(path, lang, r.name(), kinds, imported, from);
            if (to == null || to.equals(from)) continue;
            if (r.kind() == RawReference.Kind.REFERENCE && inherited.contains(to.path() + "#" + to.startByte() + "@" + r.line())) continue;
            edges.add(new SemanticEdge(r.kind() == RawReference.Kind.CALL ? SemanticEdge.Type.CALLS : SemanticEdge.Type.REFERENCES,
                    path, from == null ? SemanticEdge.FILE : from.startByte(), to.path(), to.startByte(), r.line(), SemanticEdge.Resolution.HEURISTIC));
        }
        return edges;
    }

    /** The innermost definition containing a byte offset. */
    private CodeGraph.Definition enclosing(String path, int at) {
        return scopes.computeIfAbsent(path, p -> new Scopes(byFile.getOrDefault(p, List.of()))).enclosing(at);
    }

    /**
     * A file's definitions as the tree they form, for finding the one around an offset without
     * scanning the file's definitions for every reference (TypeScript files with thousands of
     * methods made that scan a visible part of resolving them).
     */
    private static final class Scopes {
        private final CodeGraph.Definition[] defs;
        private final int[] starts;
        /** The index of the innermost definition containing each one, or -1. */
        private final int[] parent;

        Scopes(List<CodeGraph.Definition> list) {
            // outer before inner where two start together; the same range keeps its order, so the later one is inner
            defs = list.stream().sorted(Comparator.comparingInt(CodeGraph.Definition::startByte)
                    .thenComparing(Comparator.comparingInt(CodeGraph.Definition::endByte).reversed())).toArray(CodeGraph.Definition[]::new);
            starts = new int[defs.length];
            parent = new int[defs.length];
            int[] open = new int[defs.length];
            int depth = 0;
            for (int i = 0; i < defs.length; i++) {
                starts[i] = defs[i].startByte();
                while (depth > 0 && defs[open[depth - 1]].endByte() < defs[i].endByte()) depth--;
                parent[i] = depth > 0 ? open[depth - 1] : -1;
                open[depth++] = i;
            }
        }

        /**
         * Definitions nest or are disjoint, so the innermost one around {@code at} is the last one
         * starting at or before it, or the nearest of its ancestors that still reaches past it.
         */
        CodeGraph.Definition enclosing(int at) {
            int lo = 0, hi = defs.length; // first index starting after at
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (starts[mid] <= at) lo = mid + 1;
                else hi = mid;
            }
            for (int i = lo - 1; i >= 0; i = parent[i]) if (at < defs[i].endByte()) return defs[i];
            return null;
        }
    }

    private CodeGraph.Definition pick(String path, String lang, String name, Set<String> kinds, Set<String> imported, CodeGraph.Definition from) {
        List<CodeGraph.Definition> all = byName.get(name);
        if (all == null) return null;
        List<CodeGraph.Definition> cands = all.stream().filter(d -> kinds.contains(d.kind()) && compatible(lang, languages.get(d.path()))).toList();
        if (cands.isEmpty()) return null;
        // 1. same file, preferring the enclosing container of the caller
        List<CodeGraph.Definition> same = cands.stream().filter(d -> d.path().equals(path)).toList();
        if (!same.isEmpty()) {
            if (from != null && same.size() > 1) {
                CodeGraph.Definition container = enclosingContainer(path, from);
                if (container != null) {
                    List<CodeGraph.Definition> inside = same.stream()
                            .filter(d -> d.startByte() >= container.startByte() && d.endByte() <= container.endByte()).toList();
                    if (inside.size() == 1) return inside.getFirst();
                }
            }
            return same.size() == 1 ? same.getFirst() : null;
        }
        // 2. imported files
        List<CodeGraph.Definition> viaImport = cands.stream().filter(d -> imported.contains(d.path())).toList();
        if (viaImport.size() == 1) return viaImport.getFirst();
        if (viaImport.size() > 1) return null;
        // 3. same directory
        String dir = dirOf(path);
        List<CodeGraph.Definition> sameDir = cands.stream().filter(d -> dirOf(d.path()).equals(dir)).toList();
        if (sameDir.size() == 1) return sameDir.getFirst();
        if (sameDir.size() > 1) return null;
        // 4. unique in the repository
        return cands.size() == 1 ? cands.getFirst() : null;
    }

    private CodeGraph.Definition enclosingContainer(String path, CodeGraph.Definition inner) {
        CodeGraph.Definition best = null;
        for (CodeGraph.Definition d : byFile.getOrDefault(path, List.of())) {
            if (d.startByte() <= inner.startByte() && d.endByte() >= inner.endByte() && !d.equals(inner) && TYPES.contains(d.kind())) {
                if (best == null || d.endByte() - d.startByte() < best.endByte() - best.startByte()) best = d;
            }
        }
        return best;
    }

    /** Names resolve within a language family (C and C++ share headers; JS and TS share modules). */
    private static boolean compatible(String a, String b) {
        if (a == null || b == null) return false;
        return family(a).equals(family(b));
    }

    private static String family(String lang) {
        return switch (lang) {
            case "c", "cpp" -> "c";
            case "javascript", "typescript", "tsx" -> "js";
            default -> lang;
        };
    }

    public static String dirOf(String p) {
        int i = p.lastIndexOf('/');
        return i < 0 ? "" : p.substring(0, i);
    }

    // ---- imports ----

    List<String> resolveImport(String path, String lang, String raw, String fn) {
        String spec = unquote(raw);
        if (spec.isEmpty() || lang == null) return List.of();
        String dir = dirOf(path);
        return switch (lang) {
            case "python" -> python(dir, spec);
            case "javascript", "typescript", "tsx" -> js(dir, spec);
            case "c", "cpp" -> raw.startsWith("\"") ? header(dir, spec) : List.of();
            case "go" -> go(spec);
            case "rust" -> rust(path, dir, spec);
            case "ruby" -> ruby(dir, spec, fn);
            case "bash" -> firstExisting(normalize(dir, spec), normalize("", spec));
            case "java", "kotlin", "php" -> {
                CodeGraph.Definition d = byQualifiedName.get(spec.replace('\\', '.').replaceAll("^\\.", ""));
                yield d == null ? List.of() : List.of(d.path());
            }
            default -> List.of();
        };
    }

    private List<String> python(String dir, String spec) {
        String module = spec;
        String base = "";
        if (spec.startsWith(".")) {
            int dots = 0;
            while (dots < spec.length() && spec.charAt(dots) == '.') dots++;
            base = dir;
            for (int i = 1; i < dots; i++) base = dirOf(base);
            module = spec.substring(dots);
        }
        String rel = module.replace('.', '/');
        List<String> out = new ArrayList<>();
        String prefix = base.isEmpty() ? "" : base + "/";
        if (spec.startsWith(".")) {
            out.addAll(firstExisting(prefix + rel + ".py", prefix + rel + "/__init__.py", rel.isEmpty() ? prefix + "__init__.py" : null));
            return out;
        }
        // absolute: the shortest path that ends with the module path
        for (String candidate : new String[]{rel + ".py", rel + "/__init__.py"}) {
            String best = null;
            for (String f : bySuffix.getOrDefault(candidate.substring(candidate.lastIndexOf('/') + 1), List.of())) {
                if ((f.equals(candidate) || f.endsWith("/" + candidate)) && (best == null || f.length() < best.length())) best = f;
            }
            if (best != null) return List.of(best);
        }
        return out;
    }

    private List<String> js(String dir, String spec) {
        if (!spec.startsWith(".")) return List.of();
        String p = normalize(dir, spec);
        if (p == null) return List.of();
        return firstExisting(p, p + ".ts", p + ".tsx", p + ".js", p + ".jsx", p + ".mjs", p + ".cjs", p + ".d.ts",
                p + "/index.ts", p + "/index.tsx", p + "/index.js", p + "/index.jsx",
                p.endsWith(".js") ? p.substring(0, p.length() - 3) + ".ts" : null);
    }

    private List<String> header(String dir, String spec) {
        List<String> local = firstExisting(normalize(dir, spec));
        if (!local.isEmpty()) return local;
        String base = spec.substring(spec.lastIndexOf('/') + 1);
        String best = null;
        for (String f : bySuffix.getOrDefault(base, List.of())) {
            if ((f.equals(spec) || f.endsWith("/" + spec)) && (best == null || f.length() < best.length())) best = f;
        }
        return best == null ? List.of() : List.of(best);
    }

    private List<String> go(String spec) {
        if (goModule == null || !(spec.equals(goModule) || spec.startsWith(goModule + "/"))) return List.of();
        String d = spec.equals(goModule) ? "" : spec.substring(goModule.length() + 1);
        List<String> out = new ArrayList<>();
        for (String f : files) {
            if (f.endsWith(".go") && !f.endsWith("_test.go") && dirOf(f).equals(d)) out.add(f);
        }
        out.sort(null);
        return out;
    }

    private List<String> rust(String path, String dir, String spec) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        if (!spec.contains("::") && !spec.contains("{")) {
            // `mod name;`: a sibling file, or a folder named after the current module
            String modDir = file.equals("mod.rs") || file.equals("lib.rs") || file.equals("main.rs") ? dir
                    : (dir.isEmpty() ? "" : dir + "/") + file.substring(0, file.length() - 3);
            String pre = modDir.isEmpty() ? "" : modDir + "/";
            return firstExisting(pre + spec + ".rs", pre + spec + "/mod.rs");
        }
        String s = spec.replaceAll("\\{.*", "").replaceAll("::$", "");
        String[] seg = s.split("::");
        String root = crateRoot(dir);
        int i = 0;
        String base = root;
        if (seg.length > 0 && seg[0].equals("crate")) i = 1;
        else if (seg.length > 0 && (seg[0].equals("self") || seg[0].equals("super"))) {
            base = seg[0].equals("super") ? dirOf(dir) : dir;
            i = 1;
        } else return List.of();
        for (int k = seg.length; k > i; k--) {
            String rel = String.join("/", java.util.Arrays.copyOfRange(seg, i, k));
            String pre = base.isEmpty() ? "" : base + "/";
            List<String> hit = firstExisting(pre + rel + ".rs", pre + rel + "/mod.rs");
            if (!hit.isEmpty()) return hit;
        }
        return List.of();
    }

    private String crateRoot(String dir) {
        String d = dir;
        while (true) {
            String pre = d.isEmpty() ? "" : d + "/";
            if (files.contains(pre + "lib.rs") || files.contains(pre + "main.rs")) return d;
            if (d.isEmpty()) return "src";
            d = dirOf(d);
        }
    }

    private List<String> ruby(String dir, String spec, String fn) {
        String s = spec.endsWith(".rb") ? spec : spec + ".rb";
        if ("require_relative".equals(fn)) return firstExisting(normalize(dir, s));
        List<String> direct = firstExisting(s, "lib/" + s);
        if (!direct.isEmpty()) return direct;
        String base = s.substring(s.lastIndexOf('/') + 1);
        for (String f : bySuffix.getOrDefault(base, List.of())) if (f.endsWith("/" + s)) return List.of(f);
        return List.of();
    }

    private List<String> firstExisting(String... candidates) {
        for (String c : candidates) if (c != null && files.contains(c)) return List.of(c);
        return List.of();
    }

    /** dir + relative spec, with ./ and ../ folded; null when it leaves the repository. */
    static String normalize(String dir, String spec) {
        List<String> parts = new ArrayList<>();
        if (!dir.isEmpty() && !spec.startsWith("/")) parts.addAll(List.of(dir.split("/")));
        for (String s : spec.split("/")) {
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.equals("..")) {
                if (parts.isEmpty()) return null;
                parts.removeLast();
            } else {
                parts.add(s);
            }
        }
        return String.join("/", parts);
    }

    private static String unquote(String s) {
        String t = s.strip();
        if (t.length() >= 2 && ((t.startsWith("\"") && t.endsWith("\"")) || (t.startsWith("'") && t.endsWith("'")) || (t.startsWith("<") && t.endsWith(">")))) {
            t = t.substring(1, t.length() - 1);
        }
        return t;
    }
}
