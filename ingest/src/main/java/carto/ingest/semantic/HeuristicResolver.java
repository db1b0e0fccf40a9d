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
    /** Definitions nested in a function or method, with that function: only code inside it can name them (in most languages). */
    private final Map<CodeGraph.Definition, CodeGraph.Definition> localTo = new HashMap<>();
    /** Definitions no other one encloses. */
    private final Set<CodeGraph.Definition> topLevel = new java.util.HashSet<>();
    private static final Set<String> FUNCTIONS = Set.of("function", "method", "constructor");
    /** Languages where a function declared inside another one becomes global once the outer one runs. */
    private static final Set<String> NESTED_GLOBAL = Set.of("ruby", "php", "bash");

    /** {@code languages}: every file of the repository with its language id. */
    public HeuristicResolver(Collection<CodeGraph.Definition> definitions, Map<String, String> languages, String goModule) {
        for (CodeGraph.Definition d : definitions) {
            if (d.name() != null) byName.computeIfAbsent(d.name(), k -> new ArrayList<>()).add(d);
            byFile.computeIfAbsent(d.path(), k -> new ArrayList<>()).add(d);
            if (d.qualifiedName() != null) byQualifiedName.putIfAbsent(d.qualifiedName(), d);
        }
        for (List<CodeGraph.Definition> l : byFile.values()) l.sort(Comparator.comparingInt(CodeGraph.Definition::startByte));
        for (List<CodeGraph.Definition> l : byFile.values()) findLocals(l);
        this.languages = languages;
        this.files = languages.keySet();
        for (String f : files) {
            String base = f.substring(f.lastIndexOf('/') + 1);
            bySuffix.computeIfAbsent(base, k -> new ArrayList<>()).add(f);
        }
        this.goModule = goModule;
    }

    /** Records, for one file's definitions (sorted by start), those no other one encloses and those whose innermost enclosing one is a function. */
    private void findLocals(List<CodeGraph.Definition> defs) {
        List<CodeGraph.Definition> open = new ArrayList<>();
        for (CodeGraph.Definition d : defs) {
            while (!open.isEmpty() && open.getLast().endByte() < d.endByte()) open.removeLast();
            // of two with the same range the later one is inner (as in Scopes)
            if (open.isEmpty()) topLevel.add(d);
            else if (FUNCTIONS.contains(open.getLast().kind())) localTo.put(d, open.getLast());
            open.add(d);
        }
    }

    /** Edges for one file's references. */
    public List<SemanticEdge> resolve(String path, List<RawReference> refs) {
        List<SemanticEdge> edges = new ArrayList<>();
        String lang = languages.get(path);
        Set<String> imported = new LinkedHashSet<>();
        // names imports bind (Python: json in `from . import json`, os in `import os.path`; Go: a package's name), with what they stand for
        Map<String, String> bindings = new HashMap<>();
        for (RawReference r : refs) {
            if (r.kind() == RawReference.Kind.BIND) {
                bindings.put(r.name(), unquote(r.owner()));
            } else if (r.kind() == RawReference.Kind.IMPORT && "go".equals(lang)) {
                String importPath = unquote(r.name());
                bindings.putIfAbsent(goPackageName(importPath), importPath);
            }
        }
        for (RawReference r : refs) {
            List<String> targets;
            if (r.kind() == RawReference.Kind.IMPORT) targets = resolveImport(path, lang, r.name(), r.owner());
            else if (r.kind() == RawReference.Kind.BIND && "python".equals(lang)) targets = python(dirOf(path), r.owner()); // from . import views: views.py
            else continue;
            for (String target : targets) {
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
        Map<String, Module> modules = new HashMap<>(); // by receiver
        for (RawReference r : refs) {
            if (r.kind() != RawReference.Kind.CALL && r.kind() != RawReference.Kind.REFERENCE) continue;
            if (RawReference.LITERAL.equals(r.owner()) && r.kind() == RawReference.Kind.CALL) continue; // a string's or a list's own method
            // outside every definition (module-level code, a test's top-level callbacks), the file itself refers
            CodeGraph.Definition from = enclosing(path, r.startByte());
            Set<String> kinds = r.kind() == RawReference.Kind.CALL ? CALLABLE : TYPES;
            CodeGraph.Definition to;
            if (r.receiverType() != null && r.kind() == RawReference.Kind.CALL) {
                // a call on a variable (no module, whatever its name): a method of the type it is declared with
                CodeGraph.Definition typed = RawReference.UNTYPED.equals(r.receiverType()) ? null : switch (lang) {
                    case "go" -> goMethod(path, r.receiverType(), r.name(), bindings, modules);
                    case "python" -> pythonMethod(path, r.receiverType(), r.name(), bindings, imported, modules);
                    default -> jsMethod(path, lang, r.receiverType(), r.name(), imported);
                };
                if (typed == OUTSIDE_TYPE) continue; // a method of a standard library, library or built-in type (err.Error(), r.Context())
                to = typed != null ? typed : pick(path, lang, r.name(), kinds, imported, from, r);
            } else {
                Module module = r.owner() != null && !r.owner().isEmpty() ? modules.computeIfAbsent(r.owner(), o -> module(path, lang, o, bindings)) : Module.NONE;
                if (module == Module.OUTSIDE) continue; // a call on a module from outside the repository (os.path.join, fmt.Println)
                to = module != Module.NONE ? member(module, r.name(), kinds) : pick(path, lang, r.name(), kinds, imported, from, r);
            }
            if (to == null || to.equals(from)) continue;
            if (r.kind() == RawReference.Kind.REFERENCE && inherited.contains(to.path() + "#" + to.startByte() + "@" + r.line())) continue;
            edges.add(new SemanticEdge(r.kind() == RawReference.Kind.CALL ? SemanticEdge.Type.CALLS : SemanticEdge.Type.REFERENCES,
                    path, from == null ? SemanticEdge.FILE : from.startByte(), to.path(), to.startByte(), r.line(), SemanticEdge.Resolution.HEURISTIC));
        }
        return edges;
    }

    /**
     * The module a call's receiver names through an import: in Python {@code utils} after
     * {@code from .sansio import utils}, {@code werkzeug.utils} after {@code import werkzeug.utils};
     * in Go a package's name. Its repository files; {@link Module#OUTSIDE} when the import reaches
     * nothing in the repository (a library module, a Go standard package), {@link Module#NONE}
     * when the receiver is no imported module (an object, a class imported by name) or the
     * import is not understood.
     */
    private Module module(String path, String lang, String receiver, Map<String, String> bindings) {
        int dot = receiver.indexOf('.');
        String first = dot < 0 ? receiver : receiver.substring(0, dot);
        String spec = bindings.get(first);
        if (spec == null) return Module.NONE;
        if (lang.equals("go")) {
            if (dot >= 0) return Module.NONE;
            List<String> files = go(spec);
            if (!files.isEmpty()) return new Module(files);
            // the standard library's import paths have no dot in their first element (fmt, net/http); others may be a module of this checkout
            return spec.split("/", 2)[0].contains(".") ? Module.NONE : Module.OUTSIDE;
        }
        if (!lang.equals("python")) return Module.NONE;
        String dir = dirOf(path);
        List<String> files = python(dir, spec + (dot < 0 ? "" : receiver.substring(dot)));
        if (!files.isEmpty()) return new Module(List.of(files.getFirst()));
        // nothing of the repository: the module the import names, or for `from M import N` M itself, is outside it
        int last = spec.lastIndexOf('.');
        String parent = last < 0 ? null
                : spec.substring(0, last + 1).chars().allMatch(c -> c == '.') ? spec.substring(0, last + 1) // .json: the package .
                : spec.substring(0, last);
        // (without a dot in the receiver, the module the import names is what was just looked up)
        boolean inRepository = (dot >= 0 && !python(dir, spec).isEmpty()) || (parent != null && !python(dir, parent).isEmpty());
        return inRepository ? Module.NONE : Module.OUTSIDE;
    }

    /** What {@link #goMethod}, {@link #pythonMethod} and {@link #jsMethod} answer for a type from outside the repository: no edge. */
    private static final CodeGraph.Definition OUTSIDE_TYPE = new CodeGraph.Definition(null, null, null, null, -1, -1, -1, -1);
    /** Go's predeclared types (and constraints); none has a method of the repository. */
    private static final Set<String> GO_PREDECLARED = Set.of("error", "string", "bool", "byte", "rune", "int", "int8", "int16", "int32", "int64",
            "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "float32", "float64", "complex64", "complex128", "any", "comparable");

    /**
     * The method {@code method} of a Go type as a variable's declaration writes it: {@code T} of
     * the caller's package, or {@code pkg.T} of an imported package of the repository.
     * {@link #OUTSIDE_TYPE} for a predeclared type or one of a package outside the repository
     * (the standard library, another module); null when the declarations do not settle it (the
     * type's methods come from an embedded type, it is an interface, or it is not found): then the
     * call is resolved by name.
     */
    private CodeGraph.Definition goMethod(String path, String type, String method, Map<String, String> bindings, Map<String, Module> modules) {
        int dot = type.indexOf('.');
        String typeName = type.substring(dot + 1);
        String suffix = "." + typeName + "." + method;
        java.util.function.Predicate<CodeGraph.Definition> named = d -> d.kind().equals("method") && d.qualifiedName() != null && d.qualifiedName().endsWith(suffix);
        List<CodeGraph.Definition> methods = byName.getOrDefault(method, List.of());
        if (dot >= 0) {
            String pkg = type.substring(0, dot);
            Module m = modules.computeIfAbsent(pkg, o -> module(path, "go", o, bindings));
            if (m == Module.OUTSIDE) return OUTSIDE_TYPE;
            // an imported package of none of this checkout's packages: of another module, when the repository is one
            if (m == Module.NONE) return bindings.containsKey(pkg) && goModule != null ? OUTSIDE_TYPE : null;
            List<CodeGraph.Definition> found = methods.stream().filter(d -> named.test(d) && m.files().contains(d.path())).toList();
            return found.size() == 1 ? found.getFirst() : null;
        }
        boolean declaredHere = byName.getOrDefault(typeName, List.of()).stream()
                .anyMatch(d -> TYPES.contains(d.kind()) && "go".equals(languages.get(d.path())) && samePackage(path, d));
        if (!declaredHere) return GO_PREDECLARED.contains(typeName) ? OUTSIDE_TYPE : null;
        List<CodeGraph.Definition> found = methods.stream().filter(d -> named.test(d) && "go".equals(languages.get(d.path())) && samePackage(path, d)).toList();
        return found.size() == 1 ? found.getFirst() : null;
    }

    /** Python's built-in types; none has a method of the repository. */
    private static final Set<String> PYTHON_BUILTIN_TYPES = Set.of("str", "int", "float", "bool", "bytes", "bytearray", "list", "dict", "set",
            "frozenset", "tuple", "complex", "object", "memoryview", "range");

    /**
     * The method {@code method} of the Python class a variable is bound to ({@code C} or
     * {@code mod.C}, by annotation or by assigning {@code C(...)}): the one the class body defines.
     * {@link #OUTSIDE_TYPE} for a built-in type or a class of a module outside the repository
     * ({@code requests.Session}, or {@code Session} imported from it); null when the class is not
     * found as a class of the repository (a factory function, a re-export) or defines no such
     * method (an inherited one): then the call is resolved by name.
     */
    private CodeGraph.Definition pythonMethod(String path, String type, String method, Map<String, String> bindings, Set<String> imported,
                                              Map<String, Module> modules) {
        int dot = type.lastIndexOf('.');
        String className = type.substring(dot + 1);
        CodeGraph.Definition cls;
        if (dot >= 0) {
            String owner = type.substring(0, dot);
            Module m = modules.computeIfAbsent(owner, o -> module(path, "python", o, bindings));
            if (m == Module.OUTSIDE) return OUTSIDE_TYPE;
            if (m == Module.NONE) return null;
            cls = member(m, className, Set.of("class"));
        } else if (bindings.containsKey(className)) {
            // from M import C: C of M, unless M is outside the repository (or C is a module of it)
            Module m = modules.computeIfAbsent(className, o -> module(path, "python", o, bindings));
            if (m == Module.OUTSIDE) return OUTSIDE_TYPE;
            if (m != Module.NONE) return null;
            cls = pick(path, "python", className, Set.of("class"), imported, null);
        } else {
            cls = pick(path, "python", className, Set.of("class"), imported, null);
            if (cls == null) return PYTHON_BUILTIN_TYPES.contains(className) ? OUTSIDE_TYPE : null;
        }
        return cls == null || !cls.kind().equals("class") ? null : ownMethod(cls, method);
    }

    /** JavaScript's standard classes (and the web platform's Node has too); none has a method of the repository. */
    private static final Set<String> JS_STANDARD_CLASSES = Set.of("Object", "Array", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "Promise", "Date",
            "RegExp", "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "AggregateError", "String", "Number", "Boolean", "Symbol",
            "BigInt", "Function", "Proxy", "ArrayBuffer", "SharedArrayBuffer", "DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray",
            "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
            "URL", "URLSearchParams", "TextEncoder", "TextDecoder", "AbortController", "Headers", "Request", "Response", "FormData", "Blob",
            "Event", "EventTarget", "Worker", "XMLHttpRequest", "WebSocket", "Intl");

    /**
     * The method {@code method} of the JavaScript or TypeScript class a variable is bound to
     * ({@code new C()}, or in TypeScript {@code x: C}): the one the class body defines.
     * {@link #OUTSIDE_TYPE} for a standard class no repository class shadows ({@code new Map()});
     * null when the class is not found as a class of the repository (an interface or type alias, a
     * library's class, {@code new ns.C()}) or defines no such method (an inherited one): then the
     * call is resolved by name.
     */
    private CodeGraph.Definition jsMethod(String path, String lang, String type, String method, Set<String> imported) {
        if (type.indexOf('.') >= 0) return null;
        CodeGraph.Definition cls = pick(path, lang, type, Set.of("class"), imported, null);
        if (cls == null) return JS_STANDARD_CLASSES.contains(type) && byName.getOrDefault(type, List.of()).isEmpty() ? OUTSIDE_TYPE : null;
        return ownMethod(cls, method);
    }

    /** The method of that name a class's own body defines, or null. */
    private CodeGraph.Definition ownMethod(CodeGraph.Definition cls, String method) {
        for (CodeGraph.Definition d : byFile.getOrDefault(cls.path(), List.of())) {
            if (method.equals(d.name()) && "method".equals(d.kind()) && d.startByte() > cls.startByte() && d.endByte() <= cls.endByte()
                    && cls.equals(enclosingContainer(cls.path(), d))) return d;
        }
        return null;
    }

    /** A module a call is made on: its files (a Python module's one, a Go package's), none for {@link #OUTSIDE}; {@link #NONE}: not a module. */
    private record Module(List<String> files) {
        static final Module OUTSIDE = new Module(List.of());
        static final Module NONE = new Module(null);
    }

    /**
     * The definition of that name and one of those kinds (a function or class for a call, a type
     * for a reference) a module defines at its top level, or null (none, or several). A Python
     * package's {@code __init__.py} that defines none usually imports it from one of its modules:
     * then the one of that name the package's modules define at their top level.
     */
    private CodeGraph.Definition member(Module module, String name, Set<String> kinds) {
        List<CodeGraph.Definition> defs = new ArrayList<>();
        for (String f : module.files()) defs.addAll(byFile.getOrDefault(f, List.of()));
        CodeGraph.Definition found = only(defs, name, kinds);
        String init = module.files().getFirst();
        if (found != null || !init.endsWith("__init__.py")) return found;
        String pkg = init.substring(0, init.length() - "__init__.py".length());
        return only(byName.getOrDefault(name, List.of()).stream().filter(d -> d.path().startsWith(pkg)).toList(), name, kinds);
    }

    private CodeGraph.Definition only(List<CodeGraph.Definition> defs, String name, Set<String> kinds) {
        CodeGraph.Definition found = null;
        for (CodeGraph.Definition d : defs) {
            if (!name.equals(d.name()) || !kinds.contains(d.kind()) || !topLevel.contains(d)) continue;
            if (found != null) return null;
            found = d;
        }
        return found;
    }

    /** The name a Go import binds when it gives none: its path's last element, without a major version (yaml.v3, /v2). */
    static String goPackageName(String importPath) {
        String[] parts = importPath.split("/");
        String last = parts[parts.length - 1];
        if (last.matches("v[0-9]+") && parts.length > 1) last = parts[parts.length - 2];
        return last.replaceAll("\\.v[0-9]+$", "");
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
        return pick(path, lang, name, kinds, imported, from, null);
    }

    private CodeGraph.Definition pick(String path, String lang, String name, Set<String> kinds, Set<String> imported, CodeGraph.Definition from, RawReference call) {
        List<CodeGraph.Definition> all = byName.get(name);
        if (all == null) return null;
        List<CodeGraph.Definition> cands = all.stream()
                .filter(d -> kinds.contains(d.kind()) && compatible(lang, languages.get(d.path())) && (call == null || callable(lang, path, call, d))).toList();
        if (cands.isEmpty()) return null;
        // a Python call on a receiver means a method when one is named so: a function only when the receiver is a module
        if (call != null && call.kind() == RawReference.Kind.CALL && call.owner() != null && "python".equals(lang)
                && cands.stream().anyMatch(d -> d.kind().equals("method"))) {
            cands = cands.stream().filter(d -> d.kind().equals("method")).toList();
        }
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

    /**
     * Whether the form of a call lets it mean {@code d}. In Python, Go, JavaScript and TypeScript
     * a method is called on a receiver ({@code self.f()}, {@code v.F()}, {@code this.f()}) and
     * never by its bare name; in Python and Go a call on a receiver never means a function of the
     * caller's own module (Python: its file; Go: its package), which is named without one: a
     * receiver there is an object, or another module or package. In every language but Ruby, PHP
     * and Bash a function declared inside another function is named only inside it (a plain call
     * elsewhere means another one).
     */
    private boolean callable(String lang, String path, RawReference call, CodeGraph.Definition d) {
        boolean onReceiver = call.kind() == RawReference.Kind.CALL && call.owner() != null;
        // a function declared inside another one is named inside it alone (in JavaScript it may leave in an object, and be called on it)
        CodeGraph.Definition scope = d.kind().equals("function") && (!onReceiver || lang.equals("python")) ? localTo.get(d) : null;
        if (scope != null && !NESTED_GLOBAL.contains(lang)
                && !(scope.path().equals(path) && scope.startByte() <= call.startByte() && call.startByte() < scope.endByte())) return false;
        if (call.kind() != RawReference.Kind.CALL) return true;
        return switch (lang) {
            case "python" -> onReceiver ? !(d.kind().equals("function") && d.path().equals(path)) : !d.kind().equals("method");
            case "go" -> onReceiver ? !(d.kind().equals("function") && samePackage(path, d)) : !d.kind().equals("method");
            case "javascript", "typescript", "tsx" -> onReceiver || !d.kind().equals("method");
            default -> true;
        };
    }

    /**
     * Whether a Go definition is in the package of the file at {@code path}: the same folder and
     * the same package name (the first part of qualified names; an external test package,
     * {@code foo_test}, shares its folder with {@code foo}).
     */
    private boolean samePackage(String path, CodeGraph.Definition d) {
        if (!dirOf(d.path()).equals(dirOf(path))) return false;
        List<CodeGraph.Definition> own = byFile.getOrDefault(path, List.of());
        if (own.isEmpty() || own.getFirst().qualifiedName() == null || d.qualifiedName() == null) return true;
        return packageOf(own.getFirst().qualifiedName()).equals(packageOf(d.qualifiedName()));
    }

    private static String packageOf(String qualifiedName) {
        int dot = qualifiedName.indexOf('.');
        return dot < 0 ? qualifiedName : qualifiedName.substring(0, dot);
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
        // absolute: the shortest path that ends with the module path under a source root (a folder that is no
        // package itself: `import json` is not flask/json, a subpackage of flask)
        for (String candidate : new String[]{rel + ".py", rel + "/__init__.py"}) {
            String best = null;
            for (String f : bySuffix.getOrDefault(candidate.substring(candidate.lastIndexOf('/') + 1), List.of())) {
                boolean under = f.equals(candidate) || f.endsWith("/" + candidate) && !files.contains(f.substring(0, f.length() - candidate.length()) + "__init__.py");
                if (under && (best == null || f.length() < best.length())) best = f;
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

    /** A Go package's files by import path (each lookup scans every file: calls on typed variables ask often). */
    private final Map<String, List<String>> goPackages = new java.util.concurrent.ConcurrentHashMap<>();

    private List<String> go(String spec) {
        return goPackages.computeIfAbsent(spec, this::goFiles);
    }

    private List<String> goFiles(String spec) {
        if (goModule == null || !(spec.equals(goModule) || spec.startsWith(goModule + "/"))) return List.of();
        String d = spec.equals(goModule) ? "" : spec.substring(goModule.length() + 1);
        List<String> out = new ArrayList<>();
        for (String f : files) {
            if (f.endsWith(".go") && !f.endsWith("_test.go") && dirOf(f).equals(d)) out.add(f);
        }
        out.sort(null);
        return List.copyOf(out);
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
