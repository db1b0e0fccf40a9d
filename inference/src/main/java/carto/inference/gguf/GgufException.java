package carto.inference.gguf;

import java.nio.file.Path;

/** A model file that cannot be used, with what is wrong and what to do about it. */
public class GgufException extends RuntimeException {
    private final Path file;

    public GgufException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public GgufException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
