package carto.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Copies the multi-language fixture repository to a temporary folder and adds what git cannot carry. */
final class FixtureRepo {
    private FixtureRepo() {}

    static Path copy(Path target) {
        try {
            Path src = Path.of(FixtureRepo.class.getResource("/fixture-repo").toURI());
            try (Stream<Path> all = Files.walk(src)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Path dst = target.resolve(src.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(dst);
                    else Files.copy(p, dst, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            // ignored by the fixture's own .gitignore, so they cannot live in this repository
            Files.createDirectories(target.resolve("generated"));
            Files.writeString(target.resolve("generated/gen.py"), "x = 1\n");
            Files.writeString(target.resolve("debug.log"), "log line\n");
            Files.createDirectories(target.resolve("node_modules/lib"));
            Files.writeString(target.resolve("node_modules/lib/index.js"), "module.exports = 1;\n");
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
