package carto.api.jobs;

import carto.api.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Jobs on disk: one JSON file per job under the data folder, replaced atomically, so results
 * survive restarts; a job that was running or queued when the process stopped is marked
 * interrupted on the next start, never silently dropped.
 */
public final class JobStore {
    private final Path dir;

    public JobStore(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the job folder " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public synchronized void save(Job job) {
        Path f = dir.resolve(job.id() + ".json");
        Path tmp = dir.resolve(job.id() + ".json.tmp");
        try {
            Files.write(tmp, Json.MAPPER.writeValueAsBytes(job.snapshot(true)));
            try {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save job " + job.id() + " to " + f + ": " + e.getMessage(), e);
        }
    }

    /** Every stored job; unreadable files are reported and skipped (kept on disk for inspection). */
    public List<Job> load(java.util.function.Consumer<String> warn) {
        List<Job> jobs = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                try {
                    jobs.add(new Job(Json.MAPPER.readValue(f.toFile(), Job.Snapshot.class)));
                } catch (IOException e) {
                    warn.accept("job file " + f + " cannot be read (" + e.getMessage().lines().findFirst().orElse("") + "); it is left as it is");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the job folder " + dir + ": " + e.getMessage(), e);
        }
        return jobs;
    }

    public synchronized void delete(String id) {
        try {
            Files.deleteIfExists(dir.resolve(id + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
