package carto.ingest.semantic;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.SwitchExpr;
import com.github.javaparser.ast.body.RecordDeclaration;
import com.github.javaparser.ast.type.VarType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The symbol solver's parser: the newest syntax and post-processing, without the validators. */
class JavaParserConfigTest {
    private static ParseResult<CompilationUnit> parse(ParserConfiguration c, String source) {
        return new JavaParser(c).parse(source);
    }

    @Test
    void theValidatorsAreLeftOutAndNothingElse() {
        assertTrue(JavaParserConfig.validatorsSkipped(), "the validating processor of this JavaParser version was not found");
        // what only a validator objects to: the stock configuration reports it, ours does not
        String twoSuperclasses = "class A extends B, C {}";
        ParseResult<CompilationUnit> stock = parse(new ParserConfiguration().setLanguageLevel(JavaParserConfig.LEVEL), twoSuperclasses);
        assertFalse(stock.isSuccessful());
        assertTrue(stock.getProblems().getFirst().getMessage().contains("cannot extend more than one"), stock.getProblems().toString());
        assertTrue(parse(JavaParserConfig.create(), twoSuperclasses).isSuccessful());
        // a syntax error is still one
        ParseResult<CompilationUnit> broken = parse(JavaParserConfig.create(), "class A { void f( { }");
        assertFalse(broken.isSuccessful());
    }

    @Test
    void theNewestSyntaxParsesAndIsPostProcessed() {
        ParseResult<CompilationUnit> r = parse(JavaParserConfig.create(), """
                record Point(int x, int y) {}
                class A {
                    int f(int k) {
                        var p = new Point(k, k);
                        return switch (k) { case 1 -> 2; default -> { yield p.x(); } };
                    }
                }""");
        assertTrue(r.isSuccessful(), r.getProblems().toString());
        CompilationUnit cu = r.getResult().orElseThrow();
        assertEquals(1, cu.findAll(RecordDeclaration.class).size());
        assertEquals(1, cu.findAll(SwitchExpr.class).size());
        // the post-processor turns the local's "var" into a VarType, as the symbol solver needs
        VariableDeclarator p = cu.findFirst(VariableDeclarator.class, v -> v.getNameAsString().equals("p")).orElseThrow();
        assertInstanceOf(VarType.class, p.getType());
    }
}
