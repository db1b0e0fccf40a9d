package carto.ingest.lang;

import carto.ingest.parse.TreeSitterParser;
import org.treesitter.TSLanguage;
import org.treesitter.TreeSitterBash;
import org.treesitter.TreeSitterC;
import org.treesitter.TreeSitterCSharp;
import org.treesitter.TreeSitterCpp;
import org.treesitter.TreeSitterGo;
import org.treesitter.TreeSitterJava;
import org.treesitter.TreeSitterJavascript;
import org.treesitter.TreeSitterKotlin;
import org.treesitter.TreeSitterPhp;
import org.treesitter.TreeSitterPython;
import org.treesitter.TreeSitterRuby;
import org.treesitter.TreeSitterRust;
import org.treesitter.TreeSitterTsx;
import org.treesitter.TreeSitterTypescript;

import java.util.List;
import java.util.function.Supplier;

/** The languages Carto parses (with tree-sitter) or chunks as text. */
public enum Language {
    JAVA("java", "java", TreeSitterJava::new, ".java"),
    PYTHON("python", "python", TreeSitterPython::new, ".py", ".pyi", ".pyw"),
    C("c", "c", TreeSitterC::new, ".c"),
    CPP("cpp", "cpp", TreeSitterCpp::new, ".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp"),
    RUST("rust", "rust", TreeSitterRust::new, ".rs"),
    GO("go", "go", TreeSitterGo::new, ".go"),
    JAVASCRIPT("javascript", "javascript", TreeSitterJavascript::new, ".js", ".jsx", ".mjs", ".cjs"),
    TYPESCRIPT("typescript", "typescript", TreeSitterTypescript::new, ".ts", ".mts", ".cts"),
    TSX("tsx", "tsx", TreeSitterTsx::new, ".tsx"),
    KOTLIN("kotlin", "kotlin", TreeSitterKotlin::new, ".kt", ".kts"),
    CSHARP("csharp", "c_sharp", TreeSitterCSharp::new, ".cs"),
    RUBY("ruby", "ruby", TreeSitterRuby::new, ".rb", ".rake", ".gemspec"),
    PHP("php", "php", TreeSitterPhp::new, ".php"),
    BASH("bash", "bash", TreeSitterBash::new, ".sh", ".bash"),
    MARKDOWN("markdown", null, null, ".md", ".markdown", ".mdx"),
    RST("rst", null, null, ".rst"),
    TEXT("text", null, null, ".txt", ".adoc", ".asciidoc", ".textile");

    public final String id;
    /** The grammar's name in {@code tree_sitter_<name>()}, the function Carto's tree-sitter build exports for it. */
    private final String symbol;
    /** The grammar from the io.github.bonede binding, when tree-sitter runs from its libraries. */
    private final Supplier<TSLanguage> grammar;
    public final List<String> extensions;

    Language(String id, String symbol, Supplier<TSLanguage> grammar, String... extensions) {
        this.id = id;
        this.symbol = symbol;
        this.grammar = grammar;
        this.extensions = List.of(extensions);
    }

    public boolean isCode() {
        return grammar != null;
    }

    /** A new parser for this language (one per thread). */
    public TreeSitterParser parser() {
        if (grammar == null) throw new IllegalStateException(id + " is a text format, not parsed by tree-sitter");
        return new TreeSitterParser(id, symbol, grammar);
    }

    /**
     * This language's grammar as the io.github.bonede binding makes it (a new object), for comparing
     * with the binding's own parser; Carto parses through {@link #parser()}.
     */
    public TSLanguage bindingGrammar() {
        if (grammar == null) throw new IllegalStateException(id + " is a text format, not parsed by tree-sitter");
        return grammar.get();
    }

    public static Language byId(String id) {
        for (Language l : values()) if (l.id.equals(id)) return l;
        return null;
    }
}
