package carto.agents.resolve;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads failing test names out of test-runner output: JUnit, Maven Surefire, Gradle, pytest, unittest, go, cargo, jest/mocha. */
public final class TestOutput {
    private static final List<Pattern> PATTERNS = List.of(
            Pattern.compile("(?m)^\\d+\\) (\\w+)\\(([\\w.$]+)\\)"),                         // JUnit 4 JUnitCore: 1) test(pkg.Class)
            Pattern.compile("(?m)^\\[ERROR\\]\\s+([\\w.$]+\\.\\w+)(?::\\d+)?\\s"),            // Surefire: [ERROR]   Class.method:12 ...
            Pattern.compile("(?m)^([\\w.$]+) > (\\w+).* FAILED$"),                           // Gradle
            Pattern.compile("(?m)^(?:FAILED|ERROR) (\\S+::\\S+)"),                           // pytest summary
            Pattern.compile("(?m)^(?:FAIL|ERROR): (\\w+) \\(([\\w.]+)\\)"),                  // unittest
            Pattern.compile("(?m)^\\s*--- FAIL: (\\S+)"),                                    // go test
            Pattern.compile("(?m)^test (\\S+) \\.\\.\\. FAILED$"),                           // cargo test
            Pattern.compile("(?m)^\\s*[✕×] (.+?)(?: \\(\\d+ ms\\))?$"));                     // jest / mocha

    private TestOutput() {}

    public static List<String> failingTests(String output) {
        if (output == null) return List.of();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < PATTERNS.size(); i++) {
            Matcher m = PATTERNS.get(i).matcher(output);
            while (m.find() && names.size() < 50) {
                String n = switch (i) {
                    case 0, 4 -> m.group(2) + "." + m.group(1);
                    case 2 -> m.group(1) + "." + m.group(2);
                    default -> m.group(1);
                };
                names.add(n.strip());
            }
        }
        return List.copyOf(names);
    }
}
