package carto.translate.analysis;

import carto.ingest.lang.Language;
import carto.ingest.parse.SyntaxNode;
import carto.ingest.parse.SyntaxTree;
import carto.ingest.parse.TreeSitterParser;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static analysis of a C program with tree-sitter-c: its functions, structs/unions/enums,
 * typedefs, globals and macros; what each uses (functions, types, globals, enum constants); and
 * the order to translate them in — dependencies first, types before the functions using them,
 * mutually recursive functions as one group.
 */
public final class CAnalyzer {
    private CAnalyzer() {}

    public static CProgram analyze(String source) {
        byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
        try (TreeSitterParser parser = Language.C.parser(); SyntaxTree tree = parser.parse(bytes)) {
            List<CProgram.Item> items = new ArrayList<>();
            List<String> includes = new ArrayList<>();
            List<String> macros = new ArrayList<>();
            SyntaxNode root = tree.root();
            for (int i = 0; i < root.childCount(); i++) {
                SyntaxNode n = root.child(i);
                switch (n.type()) {
                    case "function_definition" -> {
                        SyntaxNode decl = functionDeclarator(n.field("declarator"));
                        String name = decl == null ? null : identifier(tree, decl.field("declarator"));
                        if (name == null) break;
                        SyntaxNode body = n.field("body");
                        String signature = tree.text(n).substring(0, body.startByte() - n.startByte()).strip();
                        items.add(new CProgram.Item(CProgram.Kind.FUNCTION, name, n.startByte(), n.endByte(), n.startLine(), n.endLine(), tree.text(n),
                                signature, signature.matches("(?s).*\\bstatic\\b.*"), Set.of()));
                    }
                    case "struct_specifier", "union_specifier", "enum_specifier" -> addType(tree, n, items);
                    case "type_definition" -> {
                        SyntaxNode type = n.field("type");
                        if (type != null && (type.type().endsWith("_specifier") && type.field("body") != null)) addType(tree, type, items);
                        String alias = lastIdentifier(tree, n, "type_identifier");
                        if (alias != null) items.add(new CProgram.Item(CProgram.Kind.TYPEDEF, alias, n.startByte(), n.endByte(), n.startLine(), n.endLine(),
                                tree.text(n), null, false, Set.of()));
                    }
                    case "declaration" -> {
                        SyntaxNode type = n.field("type");
                        if (type != null && type.type().endsWith("_specifier") && type.field("body") != null) addType(tree, type, items);
                        for (int c = 0; c < n.childCount(); c++) {
                            SyntaxNode d = n.child(c);
                            if (!d.type().equals("init_declarator") && !d.type().equals("identifier") && !d.type().equals("array_declarator")
                                    && !d.type().equals("pointer_declarator")) continue;
                            if (functionDeclarator(d) != null && !d.type().equals("init_declarator")) continue; // a prototype
                            String name = identifier(tree, d);
                            if (name != null) items.add(new CProgram.Item(CProgram.Kind.GLOBAL, name, n.startByte(), n.endByte(), n.startLine(), n.endLine(),
                                    tree.text(n), null, tree.text(n).matches("(?s)\\s*static\\b.*"), Set.of()));
                        }
                    }
                    case "preproc_def", "preproc_function_def" -> {
                        SyntaxNode name = n.field("name");
                        if (name != null) {
                            macros.add(tree.text(name));
                            items.add(new CProgram.Item(CProgram.Kind.MACRO, tree.text(name), n.startByte(), n.endByte(), n.startLine(), n.endLine(),
                                    tree.text(n).strip(), null, false, Set.of()));
                        }
                    }
                    case "preproc_include" -> includes.add(tree.text(n).strip());
                    default -> { }
                }
            }
            // what each item uses, among the program's own names
            Map<String, CProgram.Item> byName = new LinkedHashMap<>();
            for (CProgram.Item it : items) byName.putIfAbsent(it.name(), it);
            Map<String, String> enumConstants = new HashMap<>();
            for (CProgram.Item it : items) {
                if (it.kind() == CProgram.Kind.ENUM) {
                    for (String c : it.text().replaceAll("(?s)^[^{]*\\{|}[^}]*$", "").split(",")) {
                        String k = c.strip().replaceAll("\\s*=.*", "");
                        if (!k.isEmpty()) enumConstants.put(k, it.name());
                    }
                }
            }
            List<CProgram.Item> withUses = new ArrayList<>();
            for (CProgram.Item it : items) {
                Set<String> uses = new LinkedHashSet<>();
                SyntaxNode node = find(root, it.startByte(), it.endByte());
                if (node != null) collectUses(tree, node, byName, enumConstants, uses);
                uses.remove(it.name());
                withUses.add(new CProgram.Item(it.kind(), it.name(), it.startByte(), it.endByte(), it.startLine(), it.endLine(), it.text(), it.signature(),
                        it.isStatic(), Set.copyOf(uses)));
            }
            return new CProgram(source, List.copyOf(withUses), List.copyOf(includes), order(withUses), root.hasError());
        }
    }

    private static void addType(SyntaxTree tree, SyntaxNode n, List<CProgram.Item> items) {
        SyntaxNode name = n.field("name");
        if (name == null || n.field("body") == null) return;
        CProgram.Kind kind = switch (n.type()) {
            case "struct_specifier" -> CProgram.Kind.STRUCT;
            case "union_specifier" -> CProgram.Kind.UNION;
            default -> CProgram.Kind.ENUM;
        };
        items.add(new CProgram.Item(kind, tree.text(name), n.startByte(), n.endByte(), n.startLine(), n.endLine(), tree.text(n), null, false, Set.of()));
    }

    private static SyntaxNode functionDeclarator(SyntaxNode d) {
        while (d != null) {
            if (d.type().equals("function_declarator")) return d;
            SyntaxNode next = d.field("declarator");
            if (next == null) return null;
            d = next;
        }
        return null;
    }

    private static String identifier(SyntaxTree tree, SyntaxNode d) {
        while (d != null) {
            if (d.type().equals("identifier") || d.type().equals("field_identifier")) return tree.text(d);
            d = d.field("declarator");
        }
        return null;
    }

    private static String lastIdentifier(SyntaxTree tree, SyntaxNode n, String type) {
        String found = null;
        for (int i = 0; i < n.childCount(); i++) {
            SyntaxNode c = n.child(i);
            if (c.type().equals(type)) found = tree.text(c);
            else if (c.type().endsWith("declarator")) {
                String inner = identifierOfType(tree, c, type);
                if (inner != null) found = inner;
            }
        }
        return found;
    }

    private static String identifierOfType(SyntaxTree tree, SyntaxNode n, String type) {
        if (n.type().equals(type)) return tree.text(n);
        for (int i = 0; i < n.childCount(); i++) {
            String s = identifierOfType(tree, n.child(i), type);
            if (s != null) return s;
        }
        return null;
    }

    private static SyntaxNode find(SyntaxNode root, int start, int end) {
        for (int i = 0; i < root.childCount(); i++) {
            SyntaxNode c = root.child(i);
            if (c.startByte() == start && c.endByte() == end) return c;
            if (c.startByte() <= start && c.endByte() >= end) {
                SyntaxNode inner = find(c, start, end);
                if (inner != null) return inner;
            }
        }
        return null;
    }

    private static void collectUses(SyntaxTree tree, SyntaxNode n, Map<String, CProgram.Item> byName, Map<String, String> enumConstants, Set<String> uses) {
        String t = n.type();
        if (t.equals("identifier") || t.equals("type_identifier")) {
            String name = tree.text(n);
            CProgram.Item it = byName.get(name);
            if (it != null && it.kind() != CProgram.Kind.MACRO) uses.add(name);
            else if (enumConstants.containsKey(name)) uses.add(enumConstants.get(name));
        }
        for (int i = 0; i < n.childCount(); i++) collectUses(tree, n.child(i), byName, enumConstants, uses);
    }

    /**
     * Translation order: strongly connected components of the "uses" graph (Tarjan), dependencies
     * first; a component of several functions is translated as one group. Macros and typedefs that
     * only rename are not units of their own.
     */
    static List<List<String>> order(List<CProgram.Item> items) {
        Map<String, CProgram.Item> units = new LinkedHashMap<>();
        for (CProgram.Item it : items) {
            if (it.kind() == CProgram.Kind.MACRO) continue;
            units.putIfAbsent(it.name(), it);
        }
        Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : units.keySet()) if (!index.containsKey(v)) strongConnect(v, units, index, low, stack, onStack, out, counter);
        // types before functions within the same depth is implied: a function uses the type, so the type's component comes first
        return out;
    }

    private static void strongConnect(String v, Map<String, CProgram.Item> units, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
                                      Set<String> onStack, List<List<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : units.get(v).uses()) {
            if (!units.containsKey(w)) continue;
            if (!index.containsKey(w)) {
                strongConnect(w, units, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> comp = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                comp.add(0, w);
            } while (!w.equals(v));
            out.add(List.copyOf(comp));
        }
    }
}
