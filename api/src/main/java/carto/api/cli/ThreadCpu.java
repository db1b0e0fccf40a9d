package carto.api.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time this process's threads used, grouped by thread name without its numbers, read from
 * Linux's {@code /proc/self/task}: it counts the JIT compilers and the garbage collector too, which
 * the JVM's thread beans do not see. Empty where there is no {@code /proc}.
 */
final class ThreadCpu {
    private static final String PROCESS = "\u0000process";
    /** USER_HZ, which Linux fixes at 100 for what it reports in /proc. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ThreadCpu() {}

    /** Seconds of user and system time per thread alive now (keyed by group and thread id), and of the whole process. */
    static Map<String, Double> byThreadGroup() {
        Path tasks = Path.of("/proc/self/task");
        Map<String, Double> out = new HashMap<>();
        if (!Files.isDirectory(tasks)) return out;
        try {
            // the whole process, ended threads included
            out.put(PROCESS, seconds(Files.readString(Path.of("/proc/self/stat"))));
        } catch (IOException | RuntimeException e) {
            return out;
        }
        try (Stream<Path> s = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) s::iterator) {
                try {
                    double seconds = seconds(Files.readString(t.resolve("stat")));
                    String name = Files.readString(t.resolve("comm")).strip();
                    // a thread's own id keeps its time apart from that of an ended thread of the same name
                    out.put(group(name) + "\u0000" + t.getFileName(), seconds);
                } catch (IOException | RuntimeException e) {
                    // the thread ended while being read
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return out;
    }

    /** User and system seconds from a {@code stat} line: fields 14 and 15, counted after the parenthesised name. */
    private static double seconds(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }

    /** CPU seconds per thread group since {@code before} (threads started since count in full), largest first. */
    static Map<String, Double> since(Map<String, Double> before) {
        Map<String, Double> now = byThreadGroup();
        if (!now.containsKey(PROCESS) || !before.containsKey(PROCESS)) return Map.of();
        double total = now.get(PROCESS) - before.get(PROCESS), alive = 0;
        Map<String, Double> grouped = new HashMap<>();
        for (var e : now.entrySet()) {
            if (e.getKey().equals(PROCESS)) continue;
            double delta = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
            alive += delta;
            if (delta > 0) grouped.merge(e.getKey().substring(0, e.getKey().indexOf('\u0000')), delta, Double::sum);
        }
        // threads that ran and ended in between (an ingest's own workers) are gone from /proc/self/task
        if (total - alive > 0) grouped.put("(ended threads)", total - alive);
        grouped.put("(all)", total);
        Map<String, Double> sorted = new LinkedHashMap<>();
        grouped.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), Math.round(e.getValue() * 100) / 100.0));
        return sorted;
    }

    private static String group(String name) {
        return name.replaceAll("[-#._ 0-9]+$", "");
    }
}
