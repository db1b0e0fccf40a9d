package carto.ingest.semantic;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ast.DataKey;
import com.github.javaparser.ast.Node;
import com.github.javaparser.resolution.TypeSolver;
import com.github.javaparser.resolution.cache.Cache;
import com.github.javaparser.resolution.cache.CacheStats;
import com.github.javaparser.resolution.declarations.ResolvedReferenceTypeDeclaration;
import com.github.javaparser.resolution.model.SymbolReference;
import com.github.javaparser.symbolsolver.JavaSymbolSolver;
import com.github.javaparser.symbolsolver.javaparsermodel.JavaParserFacade;
import com.github.javaparser.symbolsolver.resolution.typesolvers.CombinedTypeSolver;
import com.github.javaparser.symbolsolver.resolution.typesolvers.JavaParserTypeSolver;
import com.github.javaparser.symbolsolver.resolution.typesolvers.ReflectionTypeSolver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * JavaParser's symbol solver for one repository, with the sources it parsed and the types it
 * found. A long-running process (carto serve, the benchmark) keeps one per repository between
 * ingests, so re-ingesting after a one-file edit re-parses that file instead of every file its
 * resolution touches. Before reuse it forgets what the edit made stale: the changed, added and
 * deleted files (and any parsed source the ingest does not read, whose changes it cannot see),
 * every type lookup, and the types the solver attached to the nodes of the files it keeps (they
 * may point into a changed file).
 *
 * <p>A solver is used by one thread at a time: {@link #borrow} hands it out exclusively and
 * {@link #release} puts it back. The kept solvers are softly referenced, so memory pressure
 * drops them.
 */
public final class JavaSolver {
    /**
     * Repositories whose solvers are kept at once: a solver holds the syntax trees of about all
     * of its repository's Java files, hundreds of megabytes for the largest.
     */
    private static final SoftLru<Key, JavaSolver> KEPT_SOLVERS = new SoftLru<>(2);

    private record Key(Path root, Set<String> sourceRoots) {
        static Key of(Path root, Set<String> sourceRoots) {
            return new Key(root.toAbsolutePath().normalize(), Set.copyOf(sourceRoots));
        }
    }

    private final Key key;
    private final Path root;
    final CombinedTypeSolver solver;
    private final JavaSymbolSolver symbolResolver;
    private final JavaParser parser;
    private final FileCache files = new FileCache();
    private final MapCache<Path, List<CompilationUnit>> directories = new MapCache<>();
    private final List<MapCache<String, SymbolReference<ResolvedReferenceTypeDeclaration>>> typeLookups = new ArrayList<>();
    /** Content hash of every Java file as of the ingest that last used this solver. */
    private Map<String, String> hashes;
    /** Qualified names of the types the repository's Java files declare, as the ingest found them; null: not told. */
    private volatile Set<String> knownTypes;

    private JavaSolver(Key key, Map<String, String> hashes) {
        this.key = key;
        this.root = key.root();
        this.hashes = new HashMap<>(hashes);
        MapCache<String, SymbolReference<ResolvedReferenceTypeDeclaration>> combined = new MapCache<>();
        typeLookups.add(combined);
        this.solver = new CombinedTypeSolver(CombinedTypeSolver.ExceptionHandlers.IGNORE_NONE, List.of(new ReflectionTypeSolver(true)), combined);
        JavaParser sourceParser = new JavaParser(JavaParserConfig.create());
        for (String r : key.sourceRoots()) {
            MapCache<String, SymbolReference<ResolvedReferenceTypeDeclaration>> found = new MapCache<>();
            typeLookups.add(found);
            solver.add(new KnownTypesFirst(root.resolve(r), new JavaParserTypeSolver(root.resolve(r), sourceParser, files, directories, found), this));
        }
        this.symbolResolver = new JavaSymbolSolver(solver);
        this.parser = new JavaParser(JavaParserConfig.create().setSymbolResolver(symbolResolver));
    }

    /**
     * A solver for the repository at {@code root} with these source roots, for the exclusive use
     * of the caller: the one kept from an earlier ingest, brought up to date with {@code hashes}
     * (repository-relative path to content hash of every Java file now), or a new one.
     */
    public static JavaSolver borrow(Path root, Set<String> sourceRoots, Map<String, String> hashes) {
        Key key = Key.of(root, sourceRoots);
        JavaSolver kept = KEPT_SOLVERS.remove(key);
        if (kept == null) return new JavaSolver(key, hashes);
        kept.update(hashes);
        return kept;
    }

    /** A solver nobody keeps: for parallel workers beside the borrowed one. */
    public static JavaSolver fresh(Path root, Set<String> sourceRoots, Map<String, String> hashes) {
        return new JavaSolver(Key.of(root, sourceRoots), hashes);
    }

    /**
     * The qualified names of the types the repository declares (from the ingest's own parse). With
     * them a lookup of a name no file declares, such as {@code String} tried in the current package
     * first, is answered at once, instead of JavaParser parsing that package's whole folder in case
     * a file declares it under another name.
     */
    public JavaSolver knowing(Set<String> types) {
        knownTypes = Set.copyOf(types);
        return this;
    }

    /**
     * Takes the syntax trees other solvers of this ingest parsed from {@code parses} (a copy of
     * each), and puts the ones it parses there; null stops that (before {@link #release}).
     */
    public JavaSolver sharing(SharedParses parses) {
        files.shared = parses;
        return this;
    }

    /** Keeps this solver for the next ingest of its repository. */
    public void release() {
        files.shared = null;
        KEPT_SOLVERS.put(key, this);
    }

    /** Drops every kept solver (tests; a caller that knows the files changed behind its back). */
    public static void forgetAll() {
        KEPT_SOLVERS.clear();
    }

    /**
     * The parsed source of one repository file, ready for symbol resolution: the one the solver
     * already parsed while resolving other files, or a parse of {@code source} that the solver
     * then uses too, so no file is parsed twice. Empty when JavaParser cannot parse it.
     */
    public Optional<CompilationUnit> unit(String relativePath, String source) {
        Path path = root.resolve(relativePath).normalize();
        Optional<CompilationUnit> kept = files.map.get(path);
        if (files.shared != null) {
            // whichever worker parsed it first, a file with syntax errors is not resolved exactly
            SharedParses.Parse shared = files.shared.get(path, source);
            if (!shared.clean()) return Optional.empty();
            if (kept == null) kept = files.copy(path, shared);
        }
        if (kept != null && kept.isPresent()) {
            // the solver keeps what it could recover from a file with syntax errors; that file is not resolved exactly
            if (kept.get().findFirst(Node.class, n -> n.getParsed() == Node.Parsedness.UNPARSABLE).isPresent()) return Optional.empty();
            kept.get().setData(Node.SYMBOL_RESOLVER_KEY, symbolResolver);
            return kept;
        }
        ParseResult<CompilationUnit> pr = parser.parse(source);
        if (!pr.isSuccessful() || pr.getResult().isEmpty()) return Optional.empty();
        CompilationUnit cu = pr.getResult().get();
        // declarations in this file are mapped back to the graph through its storage path
        cu.setStorage(path);
        files.put(path, Optional.of(cu));
        return Optional.of(cu);
    }

    /** Source files the kept solver of the repository at {@code root} has parsed; 0 when none is kept. */
    public static int keptFiles(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        int n = 0;
        for (Map.Entry<Key, JavaSolver> e : KEPT_SOLVERS.entries()) {
            if (e.getKey().root().equals(abs)) n += e.getValue().parsedFiles();
        }
        return n;
    }

    /** Files parsed and kept: what the next ingest of this repository need not parse again. */
    public int parsedFiles() {
        return files.map.size();
    }

    public Path root() {
        return root;
    }

    private void update(Map<String, String> now) {
        Set<String> changed = new HashSet<>();
        for (Map.Entry<String, String> e : now.entrySet()) {
            if (!e.getValue().equals(hashes.get(e.getKey()))) changed.add(e.getKey());
        }
        for (String p : hashes.keySet()) if (!now.containsKey(p)) changed.add(p);
        hashes = new HashMap<>(now);
        // sources the ingest does not read (ignored, too large) may have changed unseen: they go too
        files.map.forEach((p, cu) -> {
            String rel = relative(p);
            if (cu.isPresent() && !now.containsKey(rel)) changed.add(rel);
        });
        if (changed.isEmpty()) return;
        Set<String> changedDirs = new HashSet<>();
        for (String p : changed) changedDirs.add(HeuristicResolver.dirOf(p));
        files.map.keySet().removeIf(p -> changed.contains(relative(p)));
        directories.map.keySet().removeIf(d -> changedDirs.contains(relative(d)));
        typeLookups.forEach(MapCache::removeAll);
        // a directory's units are mostly the same objects as the files' ones: each is walked once
        Set<CompilationUnit> kept = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Optional<CompilationUnit> cu : files.map.values()) cu.ifPresent(kept::add);
        for (List<CompilationUnit> cus : directories.map.values()) kept.addAll(cus);
        kept.forEach(JavaSolver::forgetResolvedTypes);
    }

    /** Removes the types the symbol solver stored on the nodes (its own data keys), keeping the rest. */
    private static void forgetResolvedTypes(CompilationUnit cu) {
        cu.walk(node -> {
            Set<DataKey<?>> keys = node.getDataKeys();
            if (keys.isEmpty()) return;
            for (DataKey<?> k : new ArrayList<>(keys)) {
                if (k.getClass().getEnclosingClass() == JavaParserFacade.class) node.removeData(k);
            }
        });
    }

    private String relative(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(root) ? root.relativize(abs).toString().replace('\\', '/') : abs.toString();
    }

    /**
     * A source folder's type solver that first asks whether the name can be in the repository at
     * all: a file named after it (or after a type it is nested in) or a known type declaration.
     * Only then does JavaParser look, which for a name without a file of its own means parsing
     * every file of the package's folder.
     */
    private static final class KnownTypesFirst implements TypeSolver {
        private final Path sourceRoot;
        private final JavaParserTypeSolver sources;
        private final JavaSolver owner;
        private TypeSolver parent;

        KnownTypesFirst(Path sourceRoot, JavaParserTypeSolver sources, JavaSolver owner) {
            this.sourceRoot = sourceRoot;
            this.sources = sources;
            this.owner = owner;
        }

        @Override
        public TypeSolver getParent() {
            return parent;
        }

        @Override
        public void setParent(TypeSolver parent) {
            this.parent = parent;
            sources.setParent(parent);
        }

        @Override
        public SymbolReference<ResolvedReferenceTypeDeclaration> tryToSolveType(String name) {
            return mayDeclare(name) ? sources.tryToSolveType(name) : SymbolReference.unsolved();
        }

        @Override
        public SymbolReference<ResolvedReferenceTypeDeclaration> tryToSolveTypeInModule(String module, String name) {
            return mayDeclare(name) ? sources.tryToSolveTypeInModule(module, name) : SymbolReference.unsolved();
        }

        private boolean mayDeclare(String name) {
            Set<String> known = owner.knownTypes;
            if (known == null) return true;
            for (String n = name; ; n = n.substring(0, n.lastIndexOf('.'))) {
                if (known.contains(n) || java.nio.file.Files.isRegularFile(sourceRoot.resolve(n.replace('.', '/') + ".java"))) return true;
                if (n.indexOf('.') < 0) return false;
            }
        }
    }

    /**
     * Syntax trees parsed once for all the solvers of one ingest. Parallel workers each need most
     * of a repository's files (a package uses its neighbours), and JavaParser's trees cannot be
     * resolved from two threads at once (the solver stores what it found on their nodes): each
     * solver works on its own copy, which costs a seventh of a parse (jackson-databind with two
     * workers parsed 779 times for 475 files). Trees are held softly: memory pressure parses again.
     */
    public static final class SharedParses {
        /** A tree nobody resolves on, only copies; {@code clean}: parsed without syntax errors. */
        record Parse(java.lang.ref.SoftReference<CompilationUnit> tree, boolean clean) {}

        private static final Parse MISSING = new Parse(new java.lang.ref.SoftReference<>(null), false);
        private final ThreadLocal<JavaParser> parser = ThreadLocal.withInitial(() -> new JavaParser(JavaParserConfig.create()));
        private final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.FutureTask<Parse>> parses = new java.util.concurrent.ConcurrentHashMap<>();

        /** The tree of {@code path}, parsed from {@code source} or (null) the file by whichever solver asks first. */
        Parse get(Path path, String source) {
            for (int attempt = 0; ; attempt++) {
                java.util.concurrent.FutureTask<Parse> task = new java.util.concurrent.FutureTask<>(() -> parse(path, source));
                java.util.concurrent.FutureTask<Parse> earlier = parses.putIfAbsent(path, task);
                if (earlier == null) {
                    task.run();
                } else {
                    task = earlier;
                }
                Parse p = await(task);
                if (p == MISSING || p.tree().get() != null || attempt > 0) return p;
                parses.remove(path, task); // collected under memory pressure: parse again
            }
        }

        private final java.util.concurrent.atomic.AtomicInteger parsed = new java.util.concurrent.atomic.AtomicInteger();

        /** Files parsed so far. */
        public int parsed() {
            return parsed.get();
        }

        private Parse parse(Path path, String source) {
            parsed.incrementAndGet();
            try {
                String text = source != null ? source : java.nio.file.Files.readString(path);
                ParseResult<CompilationUnit> pr = parser.get().parse(text);
                return pr.getResult().map(cu -> new Parse(new java.lang.ref.SoftReference<>(cu), pr.isSuccessful())).orElse(MISSING);
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                return MISSING;
            }
        }

        private static Parse await(java.util.concurrent.FutureTask<Parse> task) {
            try {
                return task.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while another solver parsed", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }

    /**
     * The solver's parsed files: JavaParser's source type solver asks here before parsing a file
     * itself, and gets a copy of the ingest's shared parse when there is one.
     */
    private static final class FileCache extends MapCache<Path, Optional<CompilationUnit>> {
        volatile SharedParses shared;

        @Override
        public Optional<Optional<CompilationUnit>> get(Path key) {
            Optional<CompilationUnit> mine = map.get(key);
            if (mine != null) return Optional.of(mine);
            SharedParses s = shared;
            if (s == null || !java.nio.file.Files.isRegularFile(key)) return Optional.empty();
            return Optional.of(copy(key, s.get(key, null)));
        }

        /** This solver's own copy of a shared tree (with the storage JavaParser's own parse would have set). */
        Optional<CompilationUnit> copy(Path path, SharedParses.Parse p) {
            CompilationUnit tree = p.tree().get();
            Optional<CompilationUnit> copy = tree == null ? Optional.empty() : Optional.of(tree.clone().setStorage(path));
            map.put(path, copy);
            return copy;
        }
    }

    /** A plain map as JavaParser's cache, so entries can be listed and removed selectively. */
    private static class MapCache<K, V> implements Cache<K, V> {
        final Map<K, V> map = new HashMap<>();

        @Override public void put(K key, V value) { map.put(key, value); }
        @Override public Optional<V> get(K key) { return Optional.ofNullable(map.get(key)); }
        @Override public void remove(K key) { map.remove(key); }
        @Override public void removeAll() { map.clear(); }
        @Override public boolean contains(K key) { return map.containsKey(key); }
        @Override public long size() { return map.size(); }
        @Override public boolean isEmpty() { return map.isEmpty(); }
        @Override public CacheStats stats() { throw new UnsupportedOperationException("not recorded"); }
    }
}
