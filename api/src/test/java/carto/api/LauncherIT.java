package carto.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code carto} script at the repository root, as a newcomer runs it, on the build just
 * made (after {@code package}): it finds a JDK 25, picks the collector and JIT per job, puts the
 * repacked unsigned dependencies on the class path, and the commands work end to end.
 */
class LauncherIT {
    static final Path ROOT = Path.of(System.getProperty("carto.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    static Run carto(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("carto").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().put("CARTO_SKIP_BUILD", "1"); // this build is the one to run; never a nested Maven build
        pb.environment().remove("CARTO_JAVA_OPTS");
        pb.environment().remove("CARTO_AOT_DIR");
        pb.environment().put("CARTO_AOT", "off"); // the start-up cache has its own test; the others run without it
        pb.environment().putAll(env);
        Path out = Files.createTempFile("carto-out", ".txt"), err = Files.createTempFile("carto-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        try {
            Process p = pb.start();
            assertTrue(p.waitFor(180, TimeUnit.SECONDS), "carto " + String.join(" ", args) + " finished");
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static String getconf(String name) throws IOException {
        Process p = new ProcessBuilder("getconf", name).start();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    }

    static String flag(String printFlagsFinal, String name) {
        Matcher m = Pattern.compile("\\s" + name + "\\s+=\\s+(\\S+)").matcher(printFlagsFinal);
        assertTrue(m.find(), name + " in the JVM's flags");
        return m.group(1);
    }

    @Test
    void ingestJobsAndOtherJobsGetTheirOwnCollectorAndCompiler() throws Exception {
        Run ingest = carto(Map.of("CARTO_JAVA_OPTS", "-XX:+PrintFlagsFinal"), "ingest", "--help");
        assertEquals(0, ingest.exit(), "every command has --help: " + ingest.err());
        assertTrue(ingest.out().contains("Usage: carto ingest"), ingest.out());
        assertEquals("true", flag(ingest.out(), "UseParallelGC"));
        int n = Integer.parseInt(getconf("_NPROCESSORS_ONLN"));
        assertEquals(n <= 4 ? "1" : "4", flag(ingest.out(), "TieredStopAtLevel"), "C1 only for ingest on " + n + " cores");

        Run model = carto(Map.of("CARTO_JAVA_OPTS", "-XX:+PrintFlagsFinal"), "model", "info", "--help");
        assertEquals(0, model.exit(), model.err());
        assertEquals("true", flag(model.out(), "UseG1GC"));
        assertEquals("4", flag(model.out(), "TieredStopAtLevel"), "inference needs C2");
        long physical = Long.parseLong(getconf("_PHYS_PAGES")) * Long.parseLong(getconf("PAGE_SIZE"));
        assertEquals(String.valueOf(physical), flag(model.out(), "MaxDirectMemorySize"), "repacked weights may use the machine's memory");
        assertEquals("0", flag(ingest.out(), "MaxDirectMemorySize"), "ingest keeps the JVM's default");

        Run overridden = carto(Map.of("CARTO_JAVA_OPTS", "-XX:+PrintFlagsFinal -XX:TieredStopAtLevel=4 -XX:+UseSerialGC"), "ingest", "--help");
        assertEquals("4", flag(overridden.out(), "TieredStopAtLevel"), "CARTO_JAVA_OPTS wins");
        assertEquals("true", flag(overridden.out(), "UseSerialGC"));
        Run capped = carto(Map.of("CARTO_JAVA_OPTS", "-XX:+PrintFlagsFinal -XX:MaxDirectMemorySize=64m"), "model", "info", "--help");
        assertEquals(String.valueOf(64L << 20), flag(capped.out(), "MaxDirectMemorySize"), "CARTO_JAVA_OPTS wins");
    }

    @Test
    void eachKindOfJobMakesItsStartUpCacheOnceAfterABuildAndThenUsesIt() throws Exception {
        Path dir = tmp.resolve("caches");
        Path graphCache = dir.resolve("carto-graph.aot"), modelsCache = dir.resolve("carto-models.aot");
        Map<String, String> env = Map.of("CARTO_AOT", "on", "CARTO_AOT_DIR", dir.toString(), "CARTO_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        Run first = carto(env, "ingest", "--help");
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.err().contains("preparing the start-up cache for graph jobs"), first.err());
        assertTrue(Files.size(graphCache) > 10_000_000, "a cache of the classes the training run loaded");
        assertEquals(graphCache.toString(), flag(first.out(), "AOTCache"), "the command that made it uses it");
        assertTrue(Files.readString(dir.resolve("carto-graph.aot.jdk")).strip().endsWith("/bin/java"), "it records the JDK that made it");
        assertFalse(Files.exists(modelsCache), "model jobs have their own");

        Run query = carto(env, "query", "--help");
        assertEquals(0, query.exit(), query.err());
        assertFalse(query.err().contains("start-up cache"), "made once: " + query.err());
        assertEquals(graphCache.toString(), flag(query.out(), "AOTCache"), "a query is a graph job, with another collector and compiler");
        assertFalse(query.err().contains("aot") || query.err().contains("incubator"), "quiet, and no Vector API module: " + query.err());

        Run model = carto(env, "model", "info", "--help");
        assertEquals(0, model.exit(), model.err());
        assertTrue(model.err().contains("preparing the start-up cache for models jobs"), model.err());
        assertEquals(modelsCache.toString(), flag(model.out(), "AOTCache"));
        assertTrue(model.err().contains("incubator modules: jdk.incubator.vector"), "model jobs load the Vector API: " + model.err());
        Run again = carto(env, "model", "info", "--help");
        assertFalse(again.err().contains("start-up cache") || again.err().contains("aot"), "made once, and quiet: " + again.err());
        assertEquals(modelsCache.toString(), flag(again.out(), "AOTCache"));

        // one module rebuilt alone (./mvnw install -pl ingest) changes only its own jar, and the JVM
        // would drop a cache made before it: the graph jobs' cache is made again
        Path ingestJar = Path.of(List.of(Files.readString(ROOT.resolve("api/target/classpath.txt")).strip().split(":")).stream()
                .filter(e -> e.contains("carto-ingest")).findFirst().orElseThrow());
        java.nio.file.attribute.FileTime built = Files.getLastModifiedTime(ingestJar);
        try {
            Files.setLastModifiedTime(ingestJar, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(graphCache).toMillis() + 2000));
            Run rebuilt = carto(env, "query", "--help");
            assertEquals(0, rebuilt.exit(), rebuilt.err());
            assertTrue(rebuilt.err().contains("preparing the start-up cache for graph jobs"), "a module jar newer than the cache: " + rebuilt.err());
            assertEquals(graphCache.toString(), flag(rebuilt.out(), "AOTCache"));
        } finally {
            Files.setLastModifiedTime(ingestJar, built);
        }

        Run off = carto(Map.of("CARTO_AOT", "off", "CARTO_AOT_DIR", dir.toString(), "CARTO_JAVA_OPTS", "-XX:+PrintFlagsFinal"), "ingest", "--help");
        assertEquals("{product}", flag(off.out(), "AOTCache"), "CARTO_AOT=off: the flag has no value");
    }

    @Test
    void ingestThenQueryAGitRepositoryQuietly() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("demo"));
        Files.writeString(repo.resolve("shapes.py"), "def area(w, h):\n    return w * h\n\n\ndef square(s):\n    return area(s, s)\n");
        git(repo, "init", "-q");
        git(repo, "add", "shapes.py");
        git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "first");
        Path data = tmp.resolve("data");

        Run ingest = carto(Map.of(), "ingest", repo.toString(), "--data", data.toString());
        assertEquals(0, ingest.exit(), ingest.err());
        assertTrue(ingest.out().contains("at commit "), "JGit, from the repacked jar, read the commit: " + ingest.out());
        assertTrue(ingest.out().contains("1 files"), ingest.out());
        assertFalse(ingest.err().contains("C2 compiler is disabled"), "quiet by default: " + ingest.err());

        Run query = carto(Map.of(), "query", "--data", data.toString(), "--json", "callers", "area");
        assertEquals(0, query.exit(), query.err());
        assertTrue(query.out().contains("square"), query.out());
    }

    @Test
    void theLaunchedJarParsesWithCartosOwnTreeSitterBuildWhenTheBuildMadeOne() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("lib"));
        Files.writeString(repo.resolve("util.c"), "int twice(int x) {\n    return 2 * x;\n}\n");
        // a temporary folder of its own: the library is unpacked from the jar there, as on a first run
        Path unpackDir = Files.createDirectories(tmp.resolve("tmpdir"));
        Run bench = carto(Map.of("CARTO_JAVA_OPTS", "-Djava.io.tmpdir=" + unpackDir), "bench", "ingest", repo.toString());
        assertEquals(0, bench.exit(), bench.err());
        String runtime = carto.api.Json.MAPPER.readTree(bench.out()).get("tree_sitter").asText();
        boolean built;
        try (var libs = Files.find(ROOT.resolve("ingest/target/classes/carto-native"), 3, (p, a) -> p.getFileName().toString().startsWith("libcarto-treesitter"))) {
            built = libs.findAny().isPresent();
        } catch (java.nio.file.NoSuchFileException e) {
            built = false;
        }
        if (built) {
            assertTrue(runtime.startsWith("carto tree-sitter build"), "the build made the library, so the jar's copy is used: " + runtime);
            try (var copies = Files.list(unpackDir.resolve("carto-native-" + System.getProperty("user.name")))) {
                assertEquals(1, copies.filter(p -> p.getFileName().toString().startsWith("libcarto-treesitter-")).count(), "unpacked once");
            }
        } else {
            assertTrue(runtime.startsWith("io.github.bonede"), "no C compiler at build time: the bonede libraries, said so: " + runtime);
        }
    }

    private static void git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "git " + String.join(" ", args) + ": " + out);
    }
}
