package carto.ingest.semantic;

import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Processor;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.validator.postprocessors.Java26PostProcessor;
import com.github.javaparser.ast.validator.postprocessors.PostProcessors;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * JavaParser's configuration for symbol resolution: the newest language level's syntax (switch
 * expressions with {@code yield}, records, ...) and its post-processing ({@code var} as a type),
 * without its validators. The validators only report code javac would reject that the grammar
 * accepts (a class extending two classes, {@code var} as a field type); they walk every tree
 * about twenty times, which cost 45% of JavaParser's parse time in a cold ingest of gson.
 *
 * <p>JavaParser runs the level's post-processors and validators in one processor of its
 * configuration; the one that reports a validator's problem is found once, by asking each
 * processor about a tree with such a problem, and replaced by one that only post-processes. If
 * none reports it (another JavaParser version), the configuration keeps its validators.
 */
public final class JavaParserConfig {
    private JavaParserConfig() {}

    static final ParserConfiguration.LanguageLevel LEVEL = ParserConfiguration.LanguageLevel.BLEEDING_EDGE;
    private static final PostProcessors POST_PROCESSORS = new Java26PostProcessor();
    /** Position of the validating processor in a fresh configuration's list; -1: not found. */
    private static final int VALIDATING_PROCESSOR = validatingProcessor();

    /** A new configuration (each parser needs its own: the symbol resolver is set on it). */
    public static ParserConfiguration create() {
        ParserConfiguration c = new ParserConfiguration().setLanguageLevel(LEVEL);
        if (VALIDATING_PROCESSOR >= 0) c.getProcessors().set(VALIDATING_PROCESSOR, () -> new Processor() {
            @Override
            public void postProcess(ParseResult<? extends Node> result, ParserConfiguration configuration) {
                if (result.getResult().isPresent()) POST_PROCESSORS.postProcess(result, configuration);
            }
        });
        return c;
    }

    /** Whether {@link #create} leaves the validators out (false only with a JavaParser this class does not know). */
    public static boolean validatorsSkipped() {
        return VALIDATING_PROCESSOR >= 0;
    }

    private static int validatingProcessor() {
        ParserConfiguration probe = new ParserConfiguration().setLanguageLevel(LEVEL);
        List<Supplier<Processor>> processors = probe.getProcessors();
        for (int i = 0; i < processors.size(); i++) {
            // the grammar takes several superclasses; only the validators object
            CompilationUnit cu = new CompilationUnit();
            ClassOrInterfaceDeclaration c = cu.addClass("A");
            c.addExtendedType("B");
            c.addExtendedType("C");
            ParseResult<CompilationUnit> result = new ParseResult<>(cu, new ArrayList<>(), null);
            try {
                processors.get(i).get().postProcess(result, probe);
            } catch (RuntimeException e) {
                continue; // a processor that needs its pre-processing step (line endings): not the validating one
            }
            if (!result.getProblems().isEmpty()) return i;
        }
        return -1;
    }
}
