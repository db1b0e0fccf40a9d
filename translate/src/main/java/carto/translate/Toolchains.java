package carto.translate;

import carto.agents.sandbox.CommandRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The environment translation commands need inside the sandbox: rustup's toolchains and a private cargo home (the real home is read-only there). */
public final class Toolchains {
    private Toolchains() {}

    public static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        String home = System.getProperty("user.home");
        String rustup = System.getenv("RUSTUP_HOME");
        if (rustup == null && Files.isDirectory(Path.of(home, ".rustup"))) rustup = Path.of(home, ".rustup").toString();
        if (rustup != null) env.put("RUSTUP_HOME", rustup);
        env.put("CARGO_HOME", "/tmp/carto-cargo-home");
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        Path cargoBin = Path.of(home, ".cargo", "bin");
        if (Files.isDirectory(cargoBin) && !path.contains(cargoBin.toString())) path = cargoBin + ":" + path;
        env.put("PATH", path);
        return env;
    }

    /** Whether cargo and gcc can be found on the PATH the translation commands use. */
    public static boolean available() {
        String path = environment().get("PATH");
        boolean cargo = false, gcc = false;
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            cargo |= Files.isExecutable(Path.of(dir, "cargo"));
            gcc |= Files.isExecutable(Path.of(dir, "gcc"));
        }
        return cargo && gcc;
    }

    public static CommandRunner runner(boolean allowUnsandboxed) {
        return new CommandRunner(null, allowUnsandboxed, environment());
    }
}
