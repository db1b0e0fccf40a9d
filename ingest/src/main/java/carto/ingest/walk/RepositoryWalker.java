package carto.ingest.walk;

import org.eclipse.jgit.ignore.IgnoreNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Lists the files of a repository the way git would show them: {@code .gitignore} files (at any
 * depth) and {@code .git/info/exclude} are honoured, {@code .git} and vendored or build folders
 * are left out, symbolic links are not followed (so link loops cannot happen), and every file
 * that cannot be taken is reported with its reason.
 */
public final class RepositoryWalker {
    /** Folders never ingested: version control, dependencies, build output, caches. */
    public static final Set<String> SKIPPED_DIRS = Set.of(".git", ".hg", ".svn", "node_modules", "vendor", "third_party", "third-party",
            "bower_components", "target", "build", "dist", "out", ".gradle", ".idea", ".vscode", "__pycache__", ".venv", "venv",
            ".tox", ".mypy_cache", ".pytest_cache", ".next", ".nuxt", ".cache", "site-packages", ".eggs", "coverage", ".terraform");

    /** A file to ingest: {@code modified} is its last modification time in epoch nanoseconds. */
    public record Candidate(Path path, String relativePath, long size, long modified) {}

    /** Something left out, and why. */
    public record Skipped(String relativePath, String reason, boolean keepNode) {}

    public record Result(List<Candidate> files, List<Skipped> skipped, int ignoredByGit, List<String> skippedDirs) {}

    private final long maxFileSize;

    public RepositoryWalker(long maxFileSize) {
        this.maxFileSize = maxFileSize;
    }

    public Result walk(Path root) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(base)) throw new IOException(root + " is not a directory; give the root folder of a repository");
        List<Candidate> files = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        List<String> skippedDirs = new ArrayList<>();
        int[] ignored = {0};
        Deque<Ignore> ignores = new ArrayDeque<>();
        IgnoreNode exclude = load(base.resolve(".git/info/exclude"));
        if (exclude != null) ignores.push(new Ignore("", exclude));
        Files.walkFileTree(base, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String rel = relative(base, dir);
                if (!rel.isEmpty()) {
                    String name = dir.getFileName().toString();
                    if (SKIPPED_DIRS.contains(name)) {
                        if (!name.equals(".git")) skippedDirs.add(rel + " (vendored, build or tool folder)");
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    if (isIgnored(ignores, rel, true)) {
                        ignored[0]++;
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                }
                IgnoreNode gi = load(dir.resolve(".gitignore"));
                if (gi != null) ignores.push(new Ignore(rel, gi));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                String rel = relative(base, dir);
                while (!ignores.isEmpty() && ignores.peek().dir().equals(rel) && !(rel.isEmpty() && ignores.size() == 1 && exclude != null)) {
                    ignores.pop();
                }
                if (exc != null) skipped.add(new Skipped(rel, "folder could not be fully read: " + describe(exc), false));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String rel = relative(base, file);
                if (attrs.isSymbolicLink()) {
                    if (!isIgnored(ignores, rel, false)) skipped.add(new Skipped(rel, "symbolic link (not followed)", false));
                    return FileVisitResult.CONTINUE;
                }
                if (!attrs.isRegularFile()) {
                    skipped.add(new Skipped(rel, "not a regular file", false));
                    return FileVisitResult.CONTINUE;
                }
                if (isIgnored(ignores, rel, false)) {
                    ignored[0]++;
                    return FileVisitResult.CONTINUE;
                }
                if (attrs.size() > maxFileSize) {
                    skipped.add(new Skipped(rel, String.format("larger than the %,d-byte limit (%,d bytes); raise --max-file-size to include it", maxFileSize, attrs.size()), true));
                    return FileVisitResult.CONTINUE;
                }
                if (!Files.isReadable(file)) {
                    skipped.add(new Skipped(rel, "permission denied", true));
                    return FileVisitResult.CONTINUE;
                }
                files.add(new Candidate(file, rel, attrs.size(), attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                String rel = relative(base, file);
                skipped.add(new Skipped(rel, exc instanceof AccessDeniedException ? "permission denied" : "unreadable: " + describe(exc), false));
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort((a, b) -> a.relativePath().compareTo(b.relativePath()));
        skipped.sort((a, b) -> a.relativePath().compareTo(b.relativePath()));
        return new Result(files, skipped, ignored[0], skippedDirs);
    }

    private record Ignore(String dir, IgnoreNode node) {}

    /** The deepest .gitignore with an opinion decides, as in git. */
    private static boolean isIgnored(Deque<Ignore> ignores, String rel, boolean dir) {
        for (Ignore ig : ignores) {
            String sub;
            if (ig.dir().isEmpty()) sub = rel;
            else if (rel.startsWith(ig.dir() + "/")) sub = rel.substring(ig.dir().length() + 1);
            else continue;
            IgnoreNode.MatchResult r = ig.node().isIgnored(sub, dir);
            if (r == IgnoreNode.MatchResult.IGNORED) return true;
            if (r == IgnoreNode.MatchResult.NOT_IGNORED) return false;
        }
        return false;
    }

    private static IgnoreNode load(Path p) {
        if (!Files.isRegularFile(p)) return null;
        try (InputStream in = Files.newInputStream(p)) {
            IgnoreNode n = new IgnoreNode();
            n.parse(in);
            return n;
        } catch (IOException e) {
            return null;
        }
    }

    static String relative(Path base, Path p) {
        return base.relativize(p.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }
}
