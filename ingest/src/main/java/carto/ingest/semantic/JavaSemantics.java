package carto.ingest.semantic;

import carto.graph.CodeGraph;
import carto.graph.SemanticEdge;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.ImportDeclaration;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.resolution.declarations.ResolvedConstructorDeclaration;
import com.github.javaparser.resolution.declarations.ResolvedDeclaration;
import com.github.javaparser.resolution.declarations.ResolvedMethodDeclaration;
import com.github.javaparser.resolution.declarations.ResolvedReferenceTypeDeclaration;
import com.github.javaparser.resolution.declarations.ResolvedValueDeclaration;
import com.github.javaparser.resolution.types.ResolvedReferenceType;
import com.github.javaparser.resolution.types.ResolvedType;
import com.github.javaparser.symbolsolver.resolution.typesolvers.CombinedTypeSolver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Exact semantic edges for Java: JavaParser's symbol solver, with the JDK (reflection) and the
 * repository's own source roots as type solvers, resolves calls, object creations, type and
 * field references, imports, extends/implements and overrides to the declarations they mean.
 * Resolved declarations are matched to graph definitions by file, name and line.
 */
public final class JavaSemantics {
    private final Path repoRoot;
    private final JavaSolver javaSolver;
    private final CombinedTypeSolver solver;
    private final Map<String, List<CodeGraph.Definition>> defsByFile = new HashMap<>();
    /** Simple names defined anywhere in the repository's Java files: a name outside this set cannot resolve into the repository. */
    private final Set<String> repoNames = new java.util.HashSet<>();
    /** The definition kinds of Java types (annotation types are interfaces). */
    public static final Set<String> TYPE_KINDS = Set.of("class", "interface", "enum", "record");
    private final Set<String> repoTypeNames = new java.util.HashSet<>();
    private final LibraryReceivers receivers;
    private int resolved;
    private int unresolved;
    private int ambiguityRetries;

    /** Resolves with {@code solver} (used by this thread only) against the graph's {@code definitions}. */
    public JavaSemantics(JavaSolver solver, Collection<CodeGraph.Definition> definitions) {
        this.repoRoot = solver.root();
        this.javaSolver = solver;
        this.solver = solver.solver;
        for (CodeGraph.Definition d : definitions) {
            if (d.path().endsWith(".java")) {
                defsByFile.computeIfAbsent(d.path(), k -> new ArrayList<>()).add(d);
                if (d.name() != null) repoNames.add(d.name());
                if (d.name() != null && TYPE_KINDS.contains(d.kind())) repoTypeNames.add(d.name());
            }
        }
        this.receivers = new LibraryReceivers(repoTypeNames);
    }

    public int resolvedCount() { return resolved; }
    public int unresolvedCount() { return unresolved; }
    public int ambiguityRetries() { return ambiguityRetries; }

    /**
     * Edges starting in one Java file; empty when JavaParser cannot parse it (a syntax error, or
     * syntax newer than it knows), so the caller can fall back to name resolution.
     */
    public Optional<List<SemanticEdge>> edges(String relativePath, String source) {
        Optional<CompilationUnit> parsed = javaSolver.unit(relativePath, source);
        if (parsed.isEmpty()) return Optional.empty();
        CompilationUnit cu = parsed.get();
        List<SemanticEdge> out = new ArrayList<>();
        for (ImportDeclaration imp : cu.getImports()) {
            if (imp.isAsterisk() || imp.isStatic()) continue;
            try {
                var ref = solver.tryToSolveType(imp.getNameAsString());
                if (!ref.isSolved()) continue;
                Optional<String> target = fileOf(ref.getCorrespondingDeclaration());
                if (target.isPresent() && !target.get().equals(relativePath)) {
                    out.add(new SemanticEdge(SemanticEdge.Type.IMPORTS, relativePath, 0, target.get(), 0, line(imp), SemanticEdge.Resolution.EXACT));
                }
            } catch (RuntimeException | StackOverflowError e) {
                unresolved++;
            }
        }
        // the symbol solver is slow: only ask it about names the repository defines
        // nor about calls on a variable of a type declared outside the repository (the solver often fails on those anyway)
        FileNames names = new FileNames(cu);
        cu.findAll(MethodCallExpr.class).stream().filter(c -> repoNames.contains(c.getNameAsString()) && !receivers.outsideRepository(c)).forEach(call -> {
            try {
                Settled settled = settledOrNull(() -> settle(call, names));
                if (settled == OUTSIDE) return;
                link(out, SemanticEdge.Type.CALLS, relativePath, call, settled != null ? settled.method() : mostDerived(call, orderFree(call::resolve)));
            } catch (RuntimeException | StackOverflowError e) {
                unresolved++;
                // typically an argument of a library type the solver has no sources for: fall back to name and arity
                try {
                    byArity(call).ifPresent(m -> link(out, SemanticEdge.Type.CALLS, relativePath, call, m, SemanticEdge.Resolution.HEURISTIC));
                } catch (RuntimeException | StackOverflowError again) {
                    // the receiver's type is out of reach too: no edge
                }
            }
        });
        cu.findAll(ObjectCreationExpr.class).stream().filter(n -> repoNames.contains(n.getType().getNameAsString())).forEach(nw -> attempt(() -> {
            ResolvedConstructorDeclaration settled = settledOrNull(() -> settle(nw));
            var ctor = settled != null ? settled : orderFree(nw::resolve);
            // a default constructor has no declaration of its own: the class stands for it
            if (!link(out, SemanticEdge.Type.CALLS, relativePath, nw, ctor)) {
                link(out, SemanticEdge.Type.CALLS, relativePath, nw, ctor.declaringType());
            }
        }));
        cu.findAll(ClassOrInterfaceType.class).stream().filter(t -> repoNames.contains(t.getNameAsString())).forEach(t -> {
            if (t.getParentNode().filter(p -> p instanceof ClassOrInterfaceDeclaration).isPresent()) return; // extends/implements below
            if (t.getParentNode().filter(p -> p instanceof ObjectCreationExpr).isPresent()) return; // a constructor call
            attempt(() -> {
                ResolvedReferenceTypeDeclaration d = declarationOf(t.resolve());
                if (d != null) link(out, SemanticEdge.Type.REFERENCES, relativePath, t, d);
            });
        });
        // a name a local variable or parameter hides no field: nothing to ask the solver
        cu.findAll(NameExpr.class).stream().filter(n -> repoNames.contains(n.getNameAsString()) && !LibraryReceivers.local(n))
                .forEach(n -> attempt(() -> fieldRef(out, relativePath, n, n.resolve())));
        cu.findAll(FieldAccessExpr.class).stream().filter(f -> repoNames.contains(f.getNameAsString()))
                .forEach(f -> attempt(() -> fieldRef(out, relativePath, f, f.resolve())));
        cu.findAll(ClassOrInterfaceDeclaration.class).forEach(c -> {
            for (ClassOrInterfaceType ext : c.getExtendedTypes()) {
                attempt(() -> ext.resolve().asReferenceType().getTypeDeclaration().ifPresent(d -> linkFrom(out, SemanticEdge.Type.EXTENDS, relativePath, c, d, line(ext))));
            }
            for (ClassOrInterfaceType impl : c.getImplementedTypes()) {
                attempt(() -> impl.resolve().asReferenceType().getTypeDeclaration().ifPresent(d -> linkFrom(out, SemanticEdge.Type.IMPLEMENTS, relativePath, c, d, line(impl))));
            }
        });
        cu.findAll(MethodDeclaration.class).forEach(md -> attempt(() -> overrides(out, relativePath, md)));
        return Optional.of(out);
    }

    /**
     * The method a call means when the solver cannot pick the overload (it needs every argument's
     * type, and one comes from a library it has no sources for): the one method of that name taking
     * that many arguments in the receiver's type (exact, from the solver) and its repository
     * supertypes, or for an unqualified call in the innermost enclosing class that has one. Empty
     * when there is none, or more than one, or an anonymous class body lies in between.
     */
    private Optional<ResolvedMethodDeclaration> byArity(MethodCallExpr call) {
        if (call.getScope().isPresent()) {
            ResolvedReferenceTypeDeclaration owner = declarationOf(call.getScope().get().calculateResolvedType());
            return owner == null ? Optional.empty() : only(byArity(owner, call));
        }
        for (TypeDeclaration<?> td : enclosingTypes(call)) {
            Map<String, ResolvedMethodDeclaration> found = byArity(td.resolve(), call);
            if (!found.isEmpty()) return only(found);
        }
        return Optional.empty();
    }

    /**
     * The classes around {@code at}, innermost first, as far as the first anonymous class or enum
     * constant body: there the members that body inherits come first, and it has no declaration to ask.
     */
    private static List<TypeDeclaration<?>> enclosingTypes(Node at) {
        List<TypeDeclaration<?>> out = new ArrayList<>();
        Node child = at;
        for (Node n = at.getParentNode().orElse(null); n != null; child = n, n = n.getParentNode().orElse(null)) {
            Node from = child;
            if (n instanceof ObjectCreationExpr o && o.getAnonymousClassBody().filter(b -> b.stream().anyMatch(m -> m == from)).isPresent()) break;
            if (n instanceof com.github.javaparser.ast.body.EnumConstantDeclaration e && e.getClassBody().stream().anyMatch(m -> m == from)) break;
            if (n instanceof TypeDeclaration<?> td) out.add(td);
        }
        return out;
    }

    /** Object's public methods: members of every interface too (JLS 9.2), whether or not the solver lists Object among its ancestors. */
    private static final Set<String> OBJECT_METHODS = Set.of("equals", "hashCode", "toString", "getClass", "notify", "notifyAll", "wait");

    /** The methods that are members of a type (declared or inherited), by name; null when one of its supertypes is out of reach. */
    private final Map<String, Map<String, List<ResolvedMethodDeclaration>>> membersByType = new HashMap<>();

    /**
     * What the declarations settle about a call without typing its arguments: {@code method} is the
     * one it means, or null (the {@link #OUTSIDE} instance) when it cannot mean a repository method.
     */
    private record Settled(ResolvedMethodDeclaration method) {}

    private static final Settled OUTSIDE = new Settled(null);

    /**
     * The names a file declares as variables anywhere (fields, locals, parameters, pattern
     * variables, enum constants) and its static imports: a simple name outside {@code variables},
     * inherited fields and statically imported fields can only be a type (JLS 6.5.2).
     */
    private static final class FileNames {
        final Set<String> variables = new java.util.HashSet<>();
        final List<ImportDeclaration> staticImports = new ArrayList<>();

        FileNames(CompilationUnit cu) {
            cu.walk(n -> {
                if (n instanceof VariableDeclarator v) variables.add(v.getNameAsString());
                else if (n instanceof com.github.javaparser.ast.body.Parameter p) variables.add(p.getNameAsString());
                else if (n instanceof com.github.javaparser.ast.expr.TypePatternExpr t) variables.add(t.getNameAsString());
                else if (n instanceof com.github.javaparser.ast.body.EnumConstantDeclaration e) variables.add(e.getNameAsString());
            });
            for (ImportDeclaration imp : cu.getImports()) if (imp.isStatic()) staticImports.add(imp);
        }
    }

    /**
     * The method a call means when the declarations settle it without typing its arguments: of the
     * methods the call can find by its name, exactly one takes that many arguments, so overload
     * resolution has nothing to choose from (or none of them is the repository's). Where Java looks
     * for them (JLS 15.12.1):
     * <ul>
     * <li>an unqualified call (or one on plain {@code this}): the innermost enclosing class with a
     * member of that name; when none has one, the statically imported methods of that name;</li>
     * <li>a call on a variable whose declaration the syntax shows for certain: the repository type
     * it names;</li>
     * <li>a call on a simple name that no variable in scope can have (no local, parameter or field
     * of this file, no inherited or statically imported field): the type of that name;</li>
     * <li>a call on the result of a settled call: the type that method's declaration returns.</li>
     * </ul>
     * Null when the symbol solver must decide: overloads or overrides of that arity, a supertype
     * out of reach, an anonymous, local or enum constant class on the way, any other receiver.
     */
    private Settled settle(MethodCallExpr call, FileNames names) {
        if (call.getTypeArguments().isPresent()) return null;
        String name = call.getNameAsString();
        int args = call.getArguments().size();
        if (call.getScope().isPresent() && call.getScope().get() instanceof NameExpr receiver) {
            // a variable whose declaration the syntax shows for certain, with a type the repository declares
            Optional<com.github.javaparser.ast.type.Type> declared = LibraryReceivers.declaredType(receiver);
            if (declared.isPresent()) {
                if (!(declared.get() instanceof ClassOrInterfaceType t) || !repoTypeNames.contains(t.getNameAsString())) return null;
                ResolvedReferenceTypeDeclaration type = declarationOf(t.resolve());
                return type == null ? null : amongMembers(type, name, args);
            }
            return staticCall(receiver, names, name, args);
        }
        if (call.getScope().isPresent() && call.getScope().get() instanceof MethodCallExpr inner) {
            // a chained call searches the type the inner call's method returns, when that call is settled too
            Settled first = settle(inner, names);
            if (first == null || first == OUTSIDE) return null;
            ResolvedReferenceTypeDeclaration type = declarationOf(first.method().getReturnType()); // none for a type variable, an array, a primitive
            if (type == null) return null;
            return fileOf(type).isEmpty() ? OUTSIDE : amongMembers(type, name, args);
        }
        boolean onThis = call.getScope().filter(sc -> sc instanceof com.github.javaparser.ast.expr.ThisExpr t && t.getTypeName().isEmpty()).isPresent();
        if (call.getScope().isPresent() && !onThis) return null;
        // the classes as far as an anonymous or enum constant body: past one nothing is certain
        List<TypeDeclaration<?>> enclosing = enclosingTypes(call);
        for (TypeDeclaration<?> td : enclosing) {
            if (local(td)) return null;
            ResolvedReferenceTypeDeclaration type = td.resolve();
            // an interface's members include Object's public methods, which the solver does not list
            if (type.isInterface() && OBJECT_METHODS.contains(name)) return null;
            Map<String, List<ResolvedMethodDeclaration>> members = members(type);
            if (members == null) return null;
            if (!onThis && !members.containsKey(name)) continue; // no member of that name: the next enclosing class is searched
            return among(type, members.get(name), args);
        }
        // no enclosing class has a member of that name: a statically imported method (when the walk reached the file)
        if (onThis || enclosing.isEmpty() || !(enclosing.get(enclosing.size() - 1).getParentNode().orElse(null) instanceof CompilationUnit)) return null;
        return staticallyImported(names, name, args);
    }

    /**
     * What a class instance creation calls when the declarations settle it without typing its
     * arguments: the one constructor of a repository class that takes that many arguments (the
     * default one when the class declares none). Null when the solver must decide: overloads of
     * that arity, a qualified or anonymous class creation, explicit type arguments, a record, an
     * interface, a library class.
     */
    private ResolvedConstructorDeclaration settle(ObjectCreationExpr nw) {
        if (nw.getScope().isPresent() || nw.getAnonymousClassBody().isPresent() || nw.getTypeArguments().isPresent()) return null;
        ResolvedReferenceTypeDeclaration type = declarationOf(nw.getType().resolve());
        if (type == null || !type.isClass() || fileOf(type).isEmpty()) return null;
        if (!(toAst(type).orElse(null) instanceof ClassOrInterfaceDeclaration)) return null;
        int args = nw.getArguments().size();
        ResolvedConstructorDeclaration only = null;
        for (ResolvedConstructorDeclaration c : type.getConstructors()) {
            int params = c.getNumberOfParams();
            if (!takes(params, params > 0 && c.hasVariadicParameter(), args)) continue;
            if (only != null) return null;
            only = c;
        }
        return only;
    }

    /** What the declarations settle, or null when a type on the way is out of reach: the solver decides. */
    private static <T> T settledOrNull(java.util.function.Supplier<T> settling) {
        try {
            return settling.get();
        } catch (RuntimeException | StackOverflowError e) {
            return null;
        }
    }

    private static boolean local(TypeDeclaration<?> td) {
        return td.getParentNode().filter(p -> p instanceof com.github.javaparser.ast.stmt.LocalClassDeclarationStmt
                || p instanceof com.github.javaparser.ast.stmt.LocalRecordDeclarationStmt).isPresent();
    }

    /**
     * A call on a simple name that is no variable, so it names a type: a static method of that type.
     * The name is checked against every variable it could be: this file's, the fields the enclosing
     * classes inherit, and the fields imported statically.
     */
    private Settled staticCall(NameExpr receiver, FileNames names, String name, int args) {
        String typeName = receiver.getNameAsString();
        if (names.variables.contains(typeName)) return null;
        // the classes around it and what they inherit (an enum constant's body inherits from its enum, around it too)
        for (Node n = receiver.getParentNode().orElse(null); n != null; n = n.getParentNode().orElse(null)) {
            ResolvedReferenceTypeDeclaration inheritsFrom;
            if (n instanceof TypeDeclaration<?> td) inheritsFrom = td.resolve();
            else if (n instanceof ObjectCreationExpr o && o.getAnonymousClassBody().isPresent()) inheritsFrom = declarationOf(o.getType().resolve());
            else continue;
            if (inheritsFrom == null || mayHaveField(inheritsFrom, typeName)) return null;
        }
        for (ImportDeclaration imp : names.staticImports) {
            if (!imp.isAsterisk()) {
                if (imp.getName().getIdentifier().equals(typeName)) return null; // a statically imported field, perhaps
                continue;
            }
            ResolvedReferenceTypeDeclaration from = importedType(imp.getNameAsString());
            if (from == null || mayHaveField(from, typeName)) return null;
        }
        var found = com.github.javaparser.symbolsolver.javaparsermodel.JavaParserFactory.getContext(receiver, solver).solveType(typeName);
        if (!found.isSolved() || !found.getCorrespondingDeclaration().isReferenceType()) return null;
        ResolvedReferenceTypeDeclaration type = found.getCorrespondingDeclaration().asReferenceType();
        if (fileOf(type).isEmpty()) return OUTSIDE; // a library type: its methods and its supertypes' are outside the repository
        return amongMembers(type, name, args);
    }

    /**
     * An unqualified call no enclosing class has a member for: one of the static methods of that
     * name the file imports, by single-static-import or static-import-on-demand (JLS 6.4.1, 15.12.1).
     */
    private Settled staticallyImported(FileNames names, String name, int args) {
        List<ResolvedMethodDeclaration> candidates = new ArrayList<>();
        Set<String> importedFrom = new java.util.HashSet<>();
        for (ImportDeclaration imp : names.staticImports) {
            String typeName;
            if (imp.isAsterisk()) typeName = imp.getNameAsString();
            else if (imp.getName().getIdentifier().equals(name)) typeName = imp.getName().getQualifier().map(Node::toString).orElse(null);
            else continue;
            ResolvedReferenceTypeDeclaration from = typeName == null ? null : importedType(typeName);
            if (from == null) return null;
            if (!importedFrom.add(from.getQualifiedName())) continue;
            Map<String, List<ResolvedMethodDeclaration>> members = members(from);
            if (members == null) return null;
            for (ResolvedMethodDeclaration m : members.getOrDefault(name, List.of())) {
                if (m.isStatic()) candidates.add(m);
            }
        }
        return among(null, candidates, args);
    }

    /** The type a static import names (by its canonical name), or null when out of reach. */
    private ResolvedReferenceTypeDeclaration importedType(String canonicalName) {
        var ref = solver.tryToSolveType(canonicalName);
        return ref.isSolved() ? ref.getCorrespondingDeclaration() : null;
    }

    /** The class or interface a type is (with any type arguments), null for a type variable, array or primitive. */
    private static ResolvedReferenceTypeDeclaration declarationOf(ResolvedType t) {
        return t.isReferenceType() ? t.asReferenceType().getTypeDeclaration().orElse(null) : null;
    }

    /** Field names of each type and its supertypes (all of them in reach); null: a supertype is out of reach. */
    private final Map<String, Set<String>> fieldNamesByType = new HashMap<>();

    /** Whether {@code type} declares or inherits a field of that name, or may (a supertype out of reach). */
    private boolean mayHaveField(ResolvedReferenceTypeDeclaration type, String field) {
        String key = type.getQualifiedName();
        if (!fieldNamesByType.containsKey(key)) {
            Set<String> fields = new java.util.HashSet<>();
            try {
                List<ResolvedReferenceTypeDeclaration> types = new ArrayList<>(List.of(type));
                types.addAll(supertypes(type, true));
                for (ResolvedReferenceTypeDeclaration t : types) t.getDeclaredFields().forEach(f -> fields.add(f.getName()));
                fieldNamesByType.put(key, fields);
            } catch (RuntimeException | StackOverflowError e) {
                fieldNamesByType.put(key, null);
            }
        }
        Set<String> fields = fieldNamesByType.get(key);
        return fields == null || fields.contains(field);
    }

    /** What the member methods of {@code type} named {@code name} settle about a call with {@code args} arguments. */
    private Settled amongMembers(ResolvedReferenceTypeDeclaration type, String name, int args) {
        if (type.isInterface() && OBJECT_METHODS.contains(name)) return null;
        Map<String, List<ResolvedMethodDeclaration>> members = members(type);
        return members == null ? null : among(type, members.get(name), args);
    }

    /**
     * The one method of {@code named} (the methods a call finds by its name, as members of
     * {@code searched}, or null for imported ones) that takes {@code args} arguments;
     * {@link #OUTSIDE} when several do and none is the repository's; null otherwise. Without
     * arguments, a method without parameters is the one called (a variable arity method applies
     * only when none does, JLS 15.12.2), and those are all override-equivalent: the one the
     * searched type's class chain declares nearest to it is the member the call finds.
     */
    private Settled among(ResolvedReferenceTypeDeclaration searched, List<ResolvedMethodDeclaration> named, int args) {
        if (named == null) return null;
        List<ResolvedMethodDeclaration> fitting = new ArrayList<>();
        boolean repository = false;
        for (ResolvedMethodDeclaration m : named) {
            int params = m.getNumberOfParams();
            if (!takes(params, params > 0 && m.hasVariadicParameter(), args)) continue;
            fitting.add(m);
            repository |= fileOf(m.declaringType()).isPresent();
        }
        if (args == 0 && fitting.size() > 1) {
            List<ResolvedMethodDeclaration> fixed = fitting.stream().filter(m -> m.getNumberOfParams() == 0).toList();
            if (!fixed.isEmpty()) fitting = fixed;
            for (ResolvedReferenceTypeDeclaration t = fitting.size() > 1 ? searched : null; t != null && fileOf(t).isPresent(); t = superclassOf(t)) {
                String declaring = t.getQualifiedName();
                for (ResolvedMethodDeclaration m : fitting) {
                    if (m.declaringType().getQualifiedName().equals(declaring)) return new Settled(m);
                }
            }
        }
        if (fitting.size() == 1) return new Settled(fitting.get(0));
        return fitting.size() > 1 && !repository ? OUTSIDE : null;
    }

    /** The superclass of a class, null for anything else. */
    private static ResolvedReferenceTypeDeclaration superclassOf(ResolvedReferenceTypeDeclaration t) {
        return t.isClass() ? t.asClass().getSuperClass().flatMap(ResolvedReferenceType::getTypeDeclaration).orElse(null) : null;
    }

    /** Whether a method of {@code params} parameters, the last one variadic or not, can take {@code args} arguments. */
    private static boolean takes(int params, boolean varargs, int args) {
        return params == args || (varargs && args >= params - 1);
    }

    private Map<String, List<ResolvedMethodDeclaration>> members(ResolvedReferenceTypeDeclaration type) {
        String key = type.getQualifiedName();
        if (membersByType.containsKey(key)) return membersByType.get(key);
        Map<String, List<ResolvedMethodDeclaration>> out = new HashMap<>();
        try {
            String pkg = type.getPackageName();
            List<ResolvedReferenceTypeDeclaration> types = new ArrayList<>(List.of(type));
            // every supertype must be in reach: one the solver cannot find may declare a method of any name
            types.addAll(supertypes(type, true));
            for (ResolvedReferenceTypeDeclaration t : types) {
                boolean own = t == type;
                for (ResolvedMethodDeclaration m : t.getDeclaredMethods()) {
                    // what a subclass inherits: not private methods, nor package-private ones from another package, nor an interface's static ones
                    if (!own) {
                        var access = m.accessSpecifier();
                        if (access == com.github.javaparser.ast.AccessSpecifier.PRIVATE) continue;
                        if (access == com.github.javaparser.ast.AccessSpecifier.NONE && !t.isInterface() && !pkg.equals(t.getPackageName())) continue;
                        if (t.isInterface() && m.isStatic()) continue;
                    }
                    out.computeIfAbsent(m.getName(), k -> new ArrayList<>()).add(m);
                }
            }
        } catch (RuntimeException | StackOverflowError e) {
            out = null;
        }
        membersByType.put(key, out);
        return out;
    }

    /** Attempts at a resolution that JavaParser found ambiguous, before taking its word for it. */
    private static final int AMBIGUITY_ATTEMPTS = 12;

    /**
     * {@code resolution}, asked again when JavaParser calls it ambiguous: the solver lists a type's
     * methods in a new order on every call, and for some orders it finds two overloads equally
     * specific where one is more specific (jackson-databind's {@code LinkedDeque.remove((E) o)}
     * failed in 3 of 8 fresh solvers). Without this the graph differed from one ingest to the next.
     */
    private <T> T orderFree(java.util.function.Supplier<T> resolution) {
        for (int attempt = 1; ; attempt++) {
            try {
                return resolution.get();
            } catch (RuntimeException e) {
                if (attempt >= AMBIGUITY_ATTEMPTS || !ambiguous(e)) throw e;
                ambiguityRetries++;
            }
        }
    }

    private static boolean ambiguous(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof com.github.javaparser.resolution.MethodAmbiguityException) return true;
        }
        return false;
    }

    /**
     * The declaration a call means when the solver answered with one that the receiver's type
     * overrides: among override-equivalent methods (a repository class's {@code remove(Object)}
     * and {@code java.util.Deque}'s) JavaParser picks in an order that changes from run to run, while
     * the method a call invokes is the receiver type's member: the override nearest to it in its
     * class chain. Between interfaces the solver's answer stands.
     */
    private ResolvedMethodDeclaration mostDerived(MethodCallExpr call, ResolvedMethodDeclaration m) {
        try {
            ResolvedReferenceTypeDeclaration declaring = m.declaringType();
            ResolvedReferenceTypeDeclaration t = receiverType(call, declaring);
            String signature = null;
            // up the receiver's class chain (a class's method wins over an interface's) until the solver's answer
            while (t != null && !t.getQualifiedName().equals(declaring.getQualifiedName()) && fileOf(t).isPresent()) {
                if (signature == null) signature = m.getSignature();
                for (ResolvedMethodDeclaration candidate : t.getDeclaredMethods()) {
                    if (!candidate.getName().equals(m.getName()) || candidate.getNumberOfParams() != m.getNumberOfParams()) continue;
                    try {
                        if (candidate.getSignature().equals(signature)) return candidate;
                    } catch (RuntimeException | StackOverflowError e) {
                        // a parameter type out of reach: not this one
                    }
                }
                t = superclassOf(t);
            }
        } catch (RuntimeException | StackOverflowError e) {
            // a type on the way is out of reach: the solver's answer stands
        }
        return m;
    }

    /**
     * The static type a call's method is looked up in: the scope's type, or for an unqualified call
     * the innermost enclosing class that inherits {@code declaring} (null when that is an anonymous
     * class or enum constant body).
     */
    private static ResolvedReferenceTypeDeclaration receiverType(MethodCallExpr call, ResolvedReferenceTypeDeclaration declaring) {
        if (call.getScope().isPresent()) {
            return declarationOf(call.getScope().get().calculateResolvedType());
        }
        for (TypeDeclaration<?> td : enclosingTypes(call)) {
            ResolvedReferenceTypeDeclaration t = td.resolve();
            if (t.getQualifiedName().equals(declaring.getQualifiedName()) || inherits(t, declaring)) return t;
        }
        return null;
    }

    /** Whether {@code ancestor} is among the supertypes of {@code t} the solver can reach. */
    private static boolean inherits(ResolvedReferenceTypeDeclaration t, ResolvedReferenceTypeDeclaration ancestor) {
        return supertypes(t, false).stream().anyMatch(d -> d.getQualifiedName().equals(ancestor.getQualifiedName()));
    }

    /**
     * The supertypes of {@code type}, breadth first (a class's superclass before its interfaces),
     * each once. {@code complete}: fail when one is out of the solver's reach, instead of leaving it out.
     */
    private static List<ResolvedReferenceTypeDeclaration> supertypes(ResolvedReferenceTypeDeclaration type, boolean complete) {
        List<ResolvedReferenceTypeDeclaration> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>(List.of(type.getQualifiedName()));
        java.util.Deque<ResolvedReferenceTypeDeclaration> todo = new java.util.ArrayDeque<>(List.of(type));
        while (!todo.isEmpty()) {
            for (ResolvedReferenceType a : todo.poll().getAncestors(!complete)) {
                Optional<ResolvedReferenceTypeDeclaration> d = a.getTypeDeclaration();
                if (d.isEmpty()) {
                    if (complete) throw new IllegalStateException("no declaration for supertype " + a.getQualifiedName());
                    continue;
                }
                if (seen.add(d.get().getQualifiedName())) {
                    out.add(d.get());
                    todo.add(d.get());
                }
            }
        }
        return out;
    }

    private static Optional<ResolvedMethodDeclaration> only(Map<String, ResolvedMethodDeclaration> found) {
        return found.size() == 1 ? Optional.of(found.values().iterator().next()) : Optional.empty();
    }

    private Map<String, ResolvedMethodDeclaration> byArity(ResolvedReferenceTypeDeclaration owner, MethodCallExpr call) {
        Map<String, ResolvedMethodDeclaration> found = new java.util.LinkedHashMap<>();
        collectByArity(owner, call.getNameAsString(), call.getArguments().size(), found, new java.util.HashSet<>(), false);
        return found;
    }

    /** Methods of {@code type} and its repository supertypes, most derived first, keyed by their written parameter types (an override hides what it overrides). */
    private void collectByArity(ResolvedReferenceTypeDeclaration type, String name, int args, Map<String, ResolvedMethodDeclaration> found, Set<String> seen,
                                boolean inherited) {
        if (!seen.add(type.getQualifiedName()) || fileOf(type).isEmpty()) return;
        for (ResolvedMethodDeclaration m : type.getDeclaredMethods()) {
            if (!m.getName().equals(name)) continue;
            if (inherited && m.accessSpecifier() == com.github.javaparser.ast.AccessSpecifier.PRIVATE) continue; // not a member of the subtype
            Optional<Node> ast = toAst(m);
            if (ast.isEmpty() || !(ast.get() instanceof MethodDeclaration md)) continue;
            int params = md.getParameters().size();
            if (!takes(params, params > 0 && md.getParameter(params - 1).isVarArgs(), args)) continue;
            String key = md.getParameters().stream().map(p -> p.getType().asString() + (p.isVarArgs() ? "..." : "")).collect(java.util.stream.Collectors.joining(","));
            found.putIfAbsent(key, m);
        }
        for (ResolvedReferenceType ancestor : type.getAncestors(true)) {
            ancestor.getTypeDeclaration().ifPresent(d -> collectByArity(d, name, args, found, seen, true));
        }
    }

    private void fieldRef(List<SemanticEdge> out, String path, Node at, ResolvedValueDeclaration v) {
        if (v.isField()) link(out, SemanticEdge.Type.REFERENCES, path, at, v);
    }

    /**
     * The methods {@code md} overrides in the repository's supertypes of its class. Each candidate
     * (same name and parameter count) is compared on its own: an overload whose parameter types
     * cannot be resolved (a library type) must not hide the others, and the solver lists a type's
     * methods in no fixed order, so giving up at the first failure made the edges differ from run to run.
     */
    private void overrides(List<SemanticEdge> out, String path, MethodDeclaration md) {
        if (md.isStatic() || md.isPrivate()) return;
        Optional<TypeDeclaration> owner = md.findAncestor(TypeDeclaration.class);
        if (owner.isEmpty()) return;
        ResolvedReferenceTypeDeclaration type = owner.get().resolve();
        String signature = md.resolve().getSignature();
        String name = md.getNameAsString();
        int params = md.getParameters().size();
        for (ResolvedReferenceTypeDeclaration decl : supertypes(type, false)) {
            if (fileOf(decl).isEmpty()) continue;
            for (ResolvedMethodDeclaration m : decl.getDeclaredMethods()) {
                if (!m.getName().equals(name) || m.getNumberOfParams() != params) continue;
                attempt(() -> {
                    if (m.getSignature().equals(signature)) linkFrom(out, SemanticEdge.Type.OVERRIDES, path, md, m, line(md));
                });
            }
        }
    }

    private interface Attempt {
        void run();
    }

    private void attempt(Attempt a) {
        try {
            a.run();
        } catch (RuntimeException | StackOverflowError e) {
            // unresolvable (library type not on the solver's path, or a solver limitation): no edge
            unresolved++;
        }
    }

    /** Edge from the definition enclosing {@code at} to the graph definition of {@code target}. */
    private boolean link(List<SemanticEdge> out, SemanticEdge.Type type, String path, Node at, ResolvedDeclaration target) {
        return link(out, type, path, at, target, SemanticEdge.Resolution.EXACT);
    }

    private boolean link(List<SemanticEdge> out, SemanticEdge.Type type, String path, Node at, ResolvedDeclaration target, SemanticEdge.Resolution resolution) {
        Optional<CodeGraph.Definition> to = definitionOf(target);
        if (to.isEmpty()) return false;
        Optional<CodeGraph.Definition> from = enclosingDefinition(path, at);
        if (from.isEmpty() || from.get().equals(to.get())) return to.isPresent();
        out.add(new SemanticEdge(type, path, from.get().startByte(), to.get().path(), to.get().startByte(), line(at), resolution));
        resolved++;
        return true;
    }

    private void linkFrom(List<SemanticEdge> out, SemanticEdge.Type type, String path, Node fromDecl, ResolvedDeclaration target, int line) {
        Optional<CodeGraph.Definition> to = definitionOf(target);
        Optional<CodeGraph.Definition> from = match(path, fromDecl);
        if (to.isEmpty() || from.isEmpty() || from.get().equals(to.get())) return;
        out.add(new SemanticEdge(type, path, from.get().startByte(), to.get().path(), to.get().startByte(), line, SemanticEdge.Resolution.EXACT));
        resolved++;
    }

    private Optional<CodeGraph.Definition> enclosingDefinition(String path, Node at) {
        Node n = at;
        while (n != null) {
            if (n instanceof CallableDeclaration<?> || n instanceof TypeDeclaration<?> || n instanceof FieldDeclaration) {
                Optional<CodeGraph.Definition> d = match(path, n);
                if (d.isPresent()) return d;
            }
            n = n.getParentNode().orElse(null);
        }
        return Optional.empty();
    }

    private Optional<CodeGraph.Definition> definitionOf(ResolvedDeclaration target) {
        Optional<Node> ast = toAst(target);
        if (ast.isEmpty()) return Optional.empty();
        Node node = ast.get();
        if (node instanceof VariableDeclarator v) node = v.getParentNode().orElse(node);
        Optional<String> file = node.findCompilationUnit().flatMap(CompilationUnit::getStorage).map(s -> relative(s.getPath()));
        return file.flatMap(f -> match(f, ast.get()));
    }

    private Optional<String> fileOf(ResolvedReferenceTypeDeclaration d) {
        return toAst(d).flatMap(n -> n.findCompilationUnit()).flatMap(CompilationUnit::getStorage).map(s -> relative(s.getPath()));
    }

    private static Optional<Node> toAst(ResolvedDeclaration d) {
        try {
            return d.toAst();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private String relative(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(repoRoot) ? repoRoot.relativize(abs).toString().replace('\\', '/') : abs.toString();
    }

    /** The graph definition for a JavaParser declaration: same file and name, same first line (or last line, or the only one). */
    private Optional<CodeGraph.Definition> match(String path, Node decl) {
        String name = nameOf(decl);
        if (name == null || decl.getRange().isEmpty()) return Optional.empty();
        int begin = decl.getRange().get().begin.line, end = decl.getRange().get().end.line;
        List<CodeGraph.Definition> defs = defsByFile.getOrDefault(path, List.of());
        CodeGraph.Definition byEnd = null, only = null;
        int sameName = 0;
        for (CodeGraph.Definition d : defs) {
            if (!name.equals(d.name())) continue;
            sameName++;
            only = d;
            if (d.startLine() == begin) return Optional.of(d);
            if (d.endLine() == end) byEnd = d;
        }
        if (byEnd != null) return Optional.of(byEnd);
        return sameName == 1 ? Optional.of(only) : Optional.empty();
    }

    private static String nameOf(Node n) {
        if (n instanceof VariableDeclarator v) return v.getNameAsString();
        if (n instanceof FieldDeclaration f) return f.getVariables().isEmpty() ? null : f.getVariable(0).getNameAsString();
        if (n instanceof CallableDeclaration<?> c) return c.getNameAsString();
        if (n instanceof TypeDeclaration<?> t) return t.getNameAsString();
        if (n instanceof com.github.javaparser.ast.body.EnumConstantDeclaration e) return e.getNameAsString();
        if (n instanceof BodyDeclaration<?>) return null;
        return null;
    }

    private static int line(Node n) {
        return n.getBegin().map(p -> p.line).orElse(0);
    }

    /** Repository-relative source roots: each file's folder minus its package path. */
    public static Set<String> sourceRoots(Map<String, String> packagesByFile) {
        Set<String> roots = new java.util.TreeSet<>();
        packagesByFile.forEach((file, pkg) -> {
            String dir = HeuristicResolver.dirOf(file);
            String pkgPath = pkg == null || pkg.isEmpty() ? "" : pkg.replace('.', '/');
            if (pkgPath.isEmpty()) roots.add(dir);
            else if (dir.equals(pkgPath)) roots.add("");
            else if (dir.endsWith("/" + pkgPath)) roots.add(dir.substring(0, dir.length() - pkgPath.length() - 1));
            else roots.add(dir);
        });
        return roots;
    }
}
