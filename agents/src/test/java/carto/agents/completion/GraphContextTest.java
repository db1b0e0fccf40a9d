package carto.agents.completion;

import carto.graph.TestGraph;
import carto.graph.search.CodeIndex;
import carto.graph.tools.GraphTools;
import carto.ingest.IngestListener;
import carto.ingest.IngestOptions;
import carto.ingest.Ingestor;
import carto.inference.lm.FimRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Completion context from a real ingested repository: definitions near the cursor, enclosing type and supertypes, within budget. */
class GraphContextTest {
    static final String R = "ctx";
    @TempDir
    static Path tmp;
    static CodeIndex index;
    static GraphContext context;
    /** Roughly one token per word or punctuation mark: the budget arithmetic is what is under test. */
    static final ToIntFunction<String> COUNT = s -> s.split("[\\s]+|(?=[(){};.,])").length;

    static final String CART = """
            package shop;

            import java.util.ArrayList;
            import java.util.List;

            public class Cart implements Priced {
                private final List<Item> items = new ArrayList<>();

                public void add(Item item) {
                    items.add(item);
                }

                @Override
                public Money price() {
                    Money total = Money.of(0);
                    for (Item item : items) {
                        total = total.plus(
                    }
                    return total;
                }
            }
            """;

    @BeforeAll
    static void setUp() throws IOException {
        Path repo = tmp.resolve("repo");
        write(repo, "src/main/java/shop/Money.java", """
                package shop;

                /** An amount in cents. */
                public final class Money {
                    private final long cents;

                    private Money(long cents) {
                        this.cents = cents;
                    }

                    public static Money of(long cents) {
                        return new Money(cents);
                    }

                    public Money plus(Money other) {
                        return new Money(cents + other.cents);
                    }

                    public Money times(int n) {
                        long result = 0;
                        for (int i = 0; i < n; i++) {
                            result += cents;
                        }
                        if (result < 0) {
                            throw new ArithmeticException("overflow");
                        }
                        // a long body: only its signature goes into the context
                        result = result + 0;
                        result = result + 0;
                        result = result + 0;
                        result = result + 0;
                        result = result + 0;
                        result = result + 0;
                        result = result + 0;
                        return new Money(result);
                    }
                }
                """);
        write(repo, "src/main/java/shop/Item.java", """
                package shop;

                public record Item(String name, Money price, int quantity) {
                    public Money total() {
                        return price.times(quantity);
                    }
                }
                """);
        write(repo, "src/main/java/shop/Priced.java", """
                package shop;

                public interface Priced {
                    Money price();

                    default boolean isFree() {
                        return false;
                    }
                }
                """);
        // on disk (as ingested) the file is complete; the editor's buffer (CART) is being typed
        write(repo, "src/main/java/shop/Cart.java", CART.replace("total = total.plus(\n", "total = total.plus(item.total());\n"));
        index = CodeIndex.open(tmp.resolve("index"));
        new Ingestor(TestGraph.graph(), index).ingest(repo, IngestOptions.defaults().withRepoId(R), IngestListener.NONE);
        context = new GraphContext(new GraphTools(TestGraph.graph(), index), COUNT);
    }

    static void write(Path root, String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @AfterAll
    static void tearDown() {
        index.close();
    }

    static String contentOf(GraphContext.Result r, String path) {
        return r.files().stream().filter(f -> f.path().equals(path)).map(FimRequest.ContextFile::content).findFirst().orElse(null);
    }

    @Test
    void definitionsNearTheCursorEnclosingTypeAndSupertypes() {
        int cursor = CART.indexOf("total.plus(") + "total.plus(".length();
        GraphContext.Result r = context.build(R, "src/main/java/shop/Cart.java", CART, cursor, GraphContext.Options.defaults(2000));
        String money = contentOf(r, "src/main/java/shop/Money.java");
        assertTrue(money != null && money.contains("public Money plus(Money other) {") && money.contains("public static Money of(long cents) {"), money);
        // methods used at the cursor come whole; the class outline lists member signatures, not bodies
        assertTrue(money.contains("return new Money(cents + other.cents)"), money);
        assertFalse(money.contains("overflow"), money);
        String item = contentOf(r, "src/main/java/shop/Item.java");
        assertTrue(item != null && item.contains("public record Item(String name, Money price, int quantity)"), item);
        String priced = contentOf(r, "src/main/java/shop/Priced.java");
        assertTrue(priced != null && priced.contains("Money price();") && priced.contains("default boolean isFree()"), priced);
        assertTrue(r.snippets().stream().anyMatch(s -> s.reason().equals("enclosing type") && s.symbol().equals("Cart")), r.snippets().toString());
        String cart = contentOf(r, "src/main/java/shop/Cart.java");
        assertTrue(cart.contains("    public Money price() {\n") && !cart.contains("@Override"), "outline shows signatures, not annotations: " + cart);
        // with the class header out of the window, the supertype still comes through the type hierarchy
        GraphContext.Result narrow = context.build(R, "src/main/java/shop/Cart.java", CART, cursor, new GraphContext.Options(2000, 2, 0, 32, 16, 2));
        assertTrue(narrow.snippets().stream().anyMatch(s -> s.reason().equals("supertype of Cart") && s.symbol().equals("Priced")), narrow.snippets().toString());
        assertEquals(r.snippets().stream().mapToInt(GraphContext.Snippet::tokens).sum(), r.tokens());
        assertTrue(r.tokens() <= 2000);
        // the nearest names come first: Money (used on the cursor's line) before Priced (the class header)
        List<String> order = r.files().stream().map(FimRequest.ContextFile::path).toList();
        assertTrue(order.indexOf("src/main/java/shop/Money.java") < order.indexOf("src/main/java/shop/Priced.java"), order.toString());
    }

    @Test
    void aSmallBudgetKeepsOnlyWhatFits() {
        int cursor = CART.indexOf("total.plus(") + "total.plus(".length();
        GraphContext.Result big = context.build(R, "src/main/java/shop/Cart.java", CART, cursor, GraphContext.Options.defaults(2000));
        GraphContext.Result small = context.build(R, "src/main/java/shop/Cart.java", CART, cursor, GraphContext.Options.defaults(40));
        assertTrue(small.tokens() <= 40, "used " + small.tokens());
        assertTrue(small.snippets().size() < big.snippets().size());
        assertTrue(context.build(R, "src/main/java/shop/Cart.java", CART, cursor, GraphContext.Options.defaults(0)).files().isEmpty());
    }

    @Test
    void aFileTheGraphDoesNotKnowStillGetsDefinitions() {
        String doc = "package shop;\n\nclass Fresh {\n    Money m = Money.of(5).times(\n}\n";
        GraphContext.Result r = context.build(R, "src/main/java/shop/Fresh.java", doc, doc.indexOf("times(") + 6, GraphContext.Options.defaults(500));
        String money = contentOf(r, "src/main/java/shop/Money.java");
        assertTrue(money != null && money.contains("public Money times(int n) {"), String.valueOf(money));
        assertTrue(r.snippets().stream().noneMatch(s -> s.reason().equals("enclosing type")));
    }

    @Test
    void longCallablesAreCutToTheirSignature() {
        String doc = "class Use { void f(Money m) { m.times(2); } }";
        GraphContext.Result r = context.build(R, "src/main/java/shop/Use.java", doc, doc.indexOf("times") + 3, GraphContext.Options.defaults(500));
        assertTrue(r.snippets().stream().anyMatch(s -> s.symbol().equals("times") && s.text().startsWith("    public Money times(int n) {\n")
                && s.text().endsWith("...\n") && !s.text().contains("overflow")), r.snippets().toString());
        assertEquals(List.of("times", "Money", "Use"), GraphContext.namesNearCursor(doc, doc.indexOf("times") + 3,
                GraphContext.Options.defaults(10)).subList(0, 3));
    }
}
