package carto.agents.sandbox;

import carto.inference.Requirements;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sandbox holds: no network, time-outs kill the whole tree, memory and output limits, nothing written outside the working copy. */
class CommandRunnerTest {
    static final CommandRunner RUNNER = new CommandRunner(false);
    static final Limits LIMITS = new Limits(Duration.ofSeconds(60), 512L << 20, 64 << 10);

    @TempDir
    Path work;

    private static final Requirements NEEDS = new Requirements();

    @BeforeAll
    static void needsBubblewrap() {
        NEEDS.need(RUNNER.bubblewrapAvailable(), "bubblewrap (bwrap) is not installed or cannot create namespaces here: apt-get install bubblewrap");
    }

    @BeforeEach
    void needs() {
        NEEDS.assume();
    }

    @Test
    void runsInTheWorkingCopyAndReportsExitCodes() throws IOException {
        Files.writeString(work.resolve("in.txt"), "hello");
        CommandResult ok = RUNNER.run("cat in.txt && echo done > out.txt", work, LIMITS);
        assertTrue(ok.ok(), ok.summary());
        assertTrue(ok.sandboxed());
        assertEquals("hello", ok.output().strip());
        assertEquals("done", Files.readString(work.resolve("out.txt")).strip());
        CommandResult bad = RUNNER.run("exit 3", work, LIMITS);
        assertEquals(3, bad.exitCode());
        assertFalse(bad.ok());
    }

    @Test
    void hasNoNetworkEvenOnLoopback() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                assertTrue(s.isConnected(), "the listener is reachable from outside the sandbox");
            }
            CommandResult r = RUNNER.run("exec 3<>/dev/tcp/127.0.0.1/" + server.getLocalPort() + " && echo CONNECTED", work, LIMITS);
            assertFalse(r.ok(), r.summary());
            assertFalse(r.output().contains("CONNECTED"));
        }
        CommandResult dns = RUNNER.run("getent hosts repo.maven.apache.org || echo NO-DNS", work, LIMITS);
        assertTrue(dns.output().contains("NO-DNS"), dns.summary());
    }

    @Test
    void timeOutKillsTheWholeProcessTree() throws Exception {
        CommandResult r = RUNNER.run("(sleep 3; touch late-marker) & sleep 60", work, LIMITS.withTimeout(Duration.ofSeconds(1)));
        assertTrue(r.timedOut());
        assertEquals(-1, r.exitCode());
        assertTrue(r.summary().contains("timed out"));
        Thread.sleep(4000);
        assertFalse(Files.exists(work.resolve("late-marker")), "the background child outlived the time-out");
    }

    @Test
    void memoryLimitHolds() {
        CommandResult r = RUNNER.run("python3 -c 'x = bytearray(900 * 1024 * 1024); print(\"ALLOCATED\")'", work,
                new Limits(Duration.ofSeconds(60), 256L << 20, 64 << 10));
        assertNotEquals(0, r.exitCode(), r.summary());
        assertFalse(r.output().contains("ALLOCATED"));
        assertTrue(r.output().contains("MemoryError"), r.summary());
    }

    @Test
    void outputIsCutToHeadAndTail() {
        CommandResult r = RUNNER.run("echo FIRST-LINE; yes filler | head -c 3000000; echo; echo LAST-LINE", work, LIMITS);
        assertTrue(r.ok());
        assertTrue(r.truncated());
        assertTrue(r.outputBytes() > 3_000_000);
        assertTrue(r.output().length() < 70_000, "kept " + r.output().length() + " characters");
        assertTrue(r.output().startsWith("FIRST-LINE"));
        assertTrue(r.output().strip().endsWith("LAST-LINE"));
        assertTrue(r.output().contains("bytes of output dropped"));
    }

    @Test
    void cannotWriteOutsideItsWorkingCopy() throws IOException {
        Path inside = Files.createDirectories(work.resolve("wt"));
        Path home = Path.of(System.getProperty("user.home"));
        String name = "carto-escape-" + System.nanoTime();
        CommandResult r = RUNNER.run("echo x > ../" + name + "; echo y > " + home.resolve(name) + "; echo z > /tmp/" + name + "; ls /tmp/" + name,
                inside, LIMITS);
        assertFalse(Files.exists(work.resolve(name)), "wrote into the parent of the working copy");
        assertFalse(Files.exists(home.resolve(name)), "wrote into the home folder");
        assertFalse(Files.exists(Path.of("/tmp", name)), "its private /tmp leaked to the host");
        assertTrue(r.output().contains("Read-only file system"), r.summary());
    }

    @Test
    void refusesWithoutBubblewrapUnlessTheUserOptsIn() throws IOException {
        CommandRunner missing = new CommandRunner("/nonexistent/bwrap", false, Map.of());
        assertFalse(missing.bubblewrapAvailable());
        SandboxException e = assertThrows(SandboxException.class, () -> missing.run("true", work, LIMITS));
        assertTrue(e.getMessage().contains("apt-get install bubblewrap"), e.getMessage());
        assertTrue(e.getMessage().contains("--allow-unsandboxed"), e.getMessage());

        CommandRunner optedIn = new CommandRunner("/nonexistent/bwrap", true, Map.of());
        CommandResult r = optedIn.run("echo unsandboxed > f.txt", work, LIMITS);
        assertTrue(r.ok());
        assertFalse(r.sandboxed());
        assertEquals("unsandboxed", Files.readString(work.resolve("f.txt")).strip());
    }
}
