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
    JAVA("java", TreeSitterJava::new, ".java"),
    PYTHON("python", TreeSitterPython::new, ".py", ".pyi", ".pyw"),
    C("c", TreeSitterC::new, ".c"),
    CPP("cpp", TreeSitterCpp::new, ".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp"),
    RUST("rust", TreeSitterRust::new, ".rs"),
    GO("go", TreeSitterGo::new, ".go"),
    JAVASCRIPT("javascript", TreeSitterJavascript::new, ".js", ".jsx", ".mjs", ".cjs"),
    TYPESCRIPT("typescript", TreeSitterTypescript::new, ".ts", ".mts", ".cts"),
    TSX("tsx", TreeSitterTsx::new, ".tsx"),
    KOTLIN("kotlin", TreeSitterKotlin::new, ".kt", ".kts"),
    CSHARP("csharp", TreeSitterCSharp::new, ".cs"),
    RUBY("ruby", TreeSitterRuby::new, ".rb", ".rake", ".gemspec"),
    PHP("php", TreeSitterPhp::new, ".php"),
    BASH("bash", TreeSitterBash::new, ".sh", ".bash"),
    MARKDOWN("markdown", null, ".md", ".markdown", ".mdx"),
    RST("rst", null, ".rst"),
    TEXT("text", null, ".txt", ".adoc", ".asciidoc", ".textile");

    public final String id;
    private final Supplier<TSLanguage> grammar;
    public final List<String> extensions;

    Language(String id, Supplier<TSLanguage> grammar, String... extensions) {
        this.id = id;
        this.grammar = grammar;
        this.extensions = List.of(extensions);
    }

    public boolean isCode() {
        return grammar != null;
    }

    /** A new parser for this language (one per thread). */
    public TreeSitterParser parser() {
        if (grammar == null) throw new IllegalStateException(id + " is a text format, not parsed by tree-sitter");
        return new TreeSitterParser(id, grammar);
    }

    public static Language byId(String id) {
        for (Language l : values()) if (l.id.equals(id)) return l;
        return null;
    }
}
