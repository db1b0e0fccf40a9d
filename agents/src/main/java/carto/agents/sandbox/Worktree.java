package carto.agents.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away git worktree of a repository at a base commit: agents edit and run commands here,
 * never in the user's checkout. The diff is taken against the base commit, new files included.
 */
public final class Worktree implements AutoCloseable {
    private final Path repo;
    private final Path dir;
    private final String base;

    private Worktree(Path repo, Path dir, String base) {
        this.repo = repo;
        this.dir = dir;
        this.base = base;
    }

    /** A new worktree of {@code repo} at {@code commit} (HEAD when null), under {@code parent}. */
    public static Worktree create(Path repo, String commit, Path parent) {
        Path r = repo.toAbsolutePath().normalize();
        if (!Files.isDirectory(r.resolve(".git")) && !Files.isRegularFile(r.resolve(".git"))) {
            throw new SandboxException(r + " is not a git repository; Carto makes throw-away git worktrees to edit and test in. "
                    + "Make it one (git init && git add -A && git commit -m base) and try again");
        }
        String base = git(r, "rev-parse", "--verify", (commit == null || commit.isBlank() ? "HEAD" : commit) + "^{commit}").strip();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new SandboxException("cannot create " + parent + ": " + e.getMessage(), e);
        }
        Path dir = parent.toAbsolutePath().normalize().resolve("wt-" + UUID.randomUUID().toString().substring(0, 12));
        git(r, "worktree", "add", "--detach", "--quiet", dir.toString(), base);
        return new Worktree(r, dir, base);
    }

    public Path dir() {
        return dir;
    }

    public String baseCommit() {
        return base;
    }

    /** Unified diff against the base commit of exactly these paths (new files included; build outputs elsewhere never leak in). */
    public String diff(Collection<String> paths) {
        if (paths.isEmpty()) return "";
        List<String> add = new ArrayList<>(List.of("add", "-A", "-f", "--"));
        add.addAll(paths);
        git(dir, add.toArray(String[]::new));
        List<String> args = new ArrayList<>(List.of("diff", "--cached", "--no-color", "--no-ext-diff", "--no-renames", base, "--"));
        args.addAll(paths);
        String d = git(dir, args.toArray(String[]::new));
        git(dir, "reset", "-q");
        return d;
    }

    /** Back to the base commit: edits undone, new files removed. */
    public void reset() {
        git(dir, "reset", "-q", "--hard", base);
        git(dir, "clean", "-fdxq");
    }

    /** Applies a unified diff (as {@link #diff} makes it). */
    public void apply(String patch) {
        if (patch == null || patch.isBlank()) return;
        try {
            Path f = Files.createTempFile("carto-patch", ".diff");
            try {
                Files.writeString(f, patch.endsWith("\n") ? patch : patch + "\n");
                git(dir, "apply", "--whitespace=nowarn", f.toString());
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot apply the patch: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            git(repo, "worktree", "remove", "--force", dir.toString());
        } catch (SandboxException e) {
            deleteTree(dir);
            try {
                git(repo, "worktree", "prune");
            } catch (SandboxException ignored) {
                // best effort
            }
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort for a throw-away folder
        }
    }

    /** Runs git (trusted: Carto's own commands, not the repository's) and returns its output, or explains its failure. */
    public static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.add("-c");
        cmd.add("core.hooksPath=/dev/null");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(false).start();
            p.getOutputStream().close();
            byte[][] errBytes = new byte[1][];
            Thread err = Thread.ofVirtual().start(() -> {
                try {
                    errBytes[0] = p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    errBytes[0] = new byte[0];
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            err.join();
            String errText = new String(errBytes[0], StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SandboxException("git " + String.join(" ", args) + " did not finish in 2 minutes");
            }
            if (p.exitValue() != 0) {
                throw new SandboxException("git " + String.join(" ", args) + " failed in " + dir + ": " + errText.strip());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("cannot run git (is it installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while running git", e);
        }
    }
}
