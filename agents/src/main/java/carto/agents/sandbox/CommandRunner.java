package carto.agents.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a shell command from a repository in its working copy. Isolated with bubblewrap: the whole
 * file system read-only except the working copy and a private /tmp, no network, its own process
 * tree (killed with it), an address-space limit, a wall-clock limit and an output limit. Without
 * bubblewrap it refuses, unless the user opted in to running unisolated (the limits still hold).
 */
public final class CommandRunner {
    private static final Map<String, Boolean> WORKS = new java.util.concurrent.ConcurrentHashMap<>();

    private final String bwrap;
    private final boolean allowUnsandboxed;
    private final Map<String, String> env;

    /**
     * {@code bwrap}: the bubblewrap executable ("bwrap" from PATH by default); {@code allowUnsandboxed}: the user's explicit
     * opt-in to running without isolation when bubblewrap is missing; {@code env}: extra environment for commands.
     */
    public CommandRunner(String bwrap, boolean allowUnsandboxed, Map<String, String> env) {
        this.bwrap = bwrap == null || bwrap.isBlank() ? "bwrap" : bwrap;
        this.allowUnsandboxed = allowUnsandboxed;
        this.env = env == null ? Map.of() : Map.copyOf(env);
    }

    public CommandRunner(boolean allowUnsandboxed, Map<String, String> env) {
        this(null, allowUnsandboxed, env);
    }

    public CommandRunner(boolean allowUnsandboxed) {
        this(allowUnsandboxed, Map.of());
    }

    /** Whether bubblewrap is installed and can make a sandbox here (user namespaces allowed). */
    public boolean bubblewrapAvailable() {
        return WORKS.computeIfAbsent(bwrap, CommandRunner::probe);
    }

    private static boolean probe(String bwrap) {
        boolean b;
        {
            try {
                Process p = new ProcessBuilder(bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                        "true").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                b = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                b = false;
            }
        }
        return b;
    }

    /** Checks that commands can run at all, with the reason and the fix when they cannot. */
    public void requireUsable() {
        if (!bubblewrapAvailable() && !allowUnsandboxed) {
            throw new SandboxException("bubblewrap (bwrap) is not available, and Carto runs commands from a repository only inside it: "
                    + "install it (Debian/Ubuntu: apt-get install bubblewrap) or, if you trust the repository, opt in with --allow-unsandboxed");
        }
    }

    /** Runs {@code shellCommand} with bash in {@code workdir} (the only writable place besides a private /tmp). */
    public CommandResult run(String shellCommand, Path workdir, Limits limits) {
        requireUsable();
        Path dir = workdir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) throw new SandboxException("working directory " + dir + " does not exist");
        boolean isolated = bubblewrapAvailable();
        long memKb = limits.memoryBytes() / 1024;
        long heapMb = Math.max(64, Math.min(1024, limits.memoryBytes() / (4L << 20)));
        // the limits apply inside: address space and file size; a JVM started by the command gets a heap that fits
        String inner = "ulimit -v " + memKb + " 2>/dev/null; ulimit -f " + Math.max(1024, memKb) + " 2>/dev/null; eval \"$CARTO_COMMAND\"";
        List<String> cmd = new ArrayList<>();
        if (isolated) {
            cmd.addAll(List.of(bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                    "--tmpfs", "/tmp", "--bind", dir.toString(), dir.toString(), "--chdir", dir.toString(), "--setenv", "HOME", "/tmp",
                    "--setenv", "TMPDIR", "/tmp", "--"));
        }
        cmd.addAll(List.of("bash", "-c", inner));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.putAll(env);
        e.put("CARTO_COMMAND", shellCommand);
        e.put("JAVA_TOOL_OPTIONS", "-Xmx" + heapMb + "m -XX:ReservedCodeCacheSize=64m -XX:CompressedClassSpaceSize=64m -XX:MaxMetaspaceSize=256m -XX:+UseSerialGC");
        e.put("PYTHONDONTWRITEBYTECODE", "1");
        e.put("CI", "true");
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException ex) {
            throw new SandboxException("cannot start '" + shellCommand + "': " + ex.getMessage(), ex);
        }
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // the command does not read its input
        }
        Capture out = new Capture(p.getInputStream(), limits.outputBytes());
        Thread reader = Thread.ofVirtual().start(out);
        boolean timedOut = false;
        try {
            if (!p.waitFor(limits.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                kill(p);
            }
            reader.join(5000);
        } catch (InterruptedException ex) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while running '" + shellCommand + "'", ex);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        int code = timedOut ? -1 : p.exitValue();
        return new CommandResult(shellCommand, code, out.text(), timedOut, out.truncated(), out.total, Duration.ofNanos(System.nanoTime() - t0), isolated);
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Keeps the first and last halves of the output limit, counts the rest. */
    static final class Capture implements Runnable {
        private final InputStream in;
        private final int half;
        private final ByteArrayOutputStream head = new ByteArrayOutputStream();
        private final byte[] tail;
        private int tailPos;
        private boolean tailWrapped;
        volatile long total;

        Capture(InputStream in, int limit) {
            this.in = in;
            this.half = limit / 2;
            this.tail = new byte[limit - half];
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        if (head.size() < half) head.write(buf[i]);
                        else {
                            tail[tailPos++] = buf[i];
                            if (tailPos == tail.length) {
                                tailPos = 0;
                                tailWrapped = true;
                            }
                        }
                    }
                    total += n;
                }
            } catch (IOException ignored) {
                // the process was killed: keep what arrived
            }
        }

        boolean truncated() {
            return tailWrapped && total > head.size() + tail.length;
        }

        String text() {
            StringBuilder sb = new StringBuilder(head.toString(StandardCharsets.UTF_8));
            byte[] t;
            if (!tailWrapped) {
                t = java.util.Arrays.copyOf(tail, tailPos);
            } else {
                t = new byte[tail.length];
                System.arraycopy(tail, tailPos, t, 0, tail.length - tailPos);
                System.arraycopy(tail, 0, t, tail.length - tailPos, tailPos);
            }
            if (truncated()) sb.append("\n[... ").append(total - head.size() - t.length).append(" bytes of output dropped ...]\n");
            sb.append(new String(t, StandardCharsets.UTF_8));
            return sb.toString();
        }
    }
}
