package carto.ingest.parse;

import carto.graph.FileGraph;
import carto.ingest.lang.Language;
import carto.ingest.lang.LanguageSpec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Turns a tree-sitter tree into graph AST nodes for any language: one native query finds every
 * node worth keeping (definitions, statements, blocks, errors), so the walk never crosses the
 * JNI boundary for expression-level nodes; then definitions get names, kinds and qualified names,
 * and the language's queries collect the names the file uses.
 */
public final class CodeFrontEnd {
    private static final Pattern STRUCTURAL = Pattern.compile(
            ".*(_statement|_declaration|_definition|_item|_clause|_block|_body|_specifier|_spec)|block|body_statement|class|module|method|"
                    + "singleton_method|program|module|source_file|translation_unit|compilation_unit|statement_block|declaration_list|"
                    + "field_declaration_list|class_body|interface_body|enum_body|switch_case|case_clause|preproc_.*|ERROR|"
                    + "decorated_definition|lambda|arrow_function|function_expression|anonymous_class|object_creation_expression");
    /**
     * Names the structural pattern catches that are parts of a statement, not statements: parameters,
     * a declaration's specifiers ({@code static}, {@code struct x} naming a type, an import's or
     * export's names), a type's supertypes and constraints, the pieces of a preprocessor line, the
     * clauses of a comprehension. Statement depth leaves them out (jq: a fifth of its syntax nodes).
     */
    private static final Pattern BELOW_STATEMENTS = Pattern.compile(
            ".*parameter_declaration|.*_specifier|preproc_(arg|params|defined|directive)|(import|export|extends|implements|where)_clause|for_in_clause|if_clause|with_clause|with_item");
    /**
     * Blocks and bodies that only hold statements or members: statement depth leaves them out, so a
     * statement hangs from the statement or definition it belongs to (a method from its class, an
     * if's statements from the if, its else branch's from the else clause) instead of from a node
     * that repeats that one's range (Flask, Werkzeug, Jinja2 and Click: a quarter of their nodes).
     * Ruby's {@code block} is a closure, not a container, and stays.
     */
    private static final Pattern CONTAINERS = Pattern.compile(
            "block|compound_statement|statement_block|declaration_list|field_declaration_list|class_body|interface_body|enum_body|"
                    + "enum_class_body|constructor_body|annotation_type_body|record_body|function_body|control_structure_body|switch_block|"
                    + "switch_body|body_statement|do_group");
    private static final Set<String> FUNCTION_VALUES = Set.of("arrow_function", "function_expression", "function", "generator_function");
    private static final Map<String, List<String>> QUERY_GROUPS = new ConcurrentHashMap<>();
    private static final Set<String> IMPORTING_CALLS = Set.of("require", "require_relative", "load", "import", "source", ".");
    /** The queries run over every file, in one pass; their indexes in {@link #groups}. */
    private static final int STRUCTURE = 0, CALLS = 1, REFERENCES = 2, IMPORTS = 3, INHERITANCE = 4, PACKAGE = 5, IDENTIFIERS = 6, BODIES = 7, VARIABLES = 8, GROUPS = 9;
    /**
     * Go's variable declarations, for the types of call receivers: every way a name is declared
     * ({@code @var}), with the type when it is written ({@code @type}: a parameter's, a {@code var}'s,
     * or that of a lone composite literal assigned, {@code s := &Server{}}), and the node it is
     * declared in ({@code @scope}: the function of a parameter, the statements of a block, the file).
     */
    private static final String GO_LITERAL_TYPE = "(expression_list . [(composite_literal type: (_) @type) (unary_expression operand: (composite_literal type: (_) @type))] .)";
    private static final String GO_VARIABLES = goVariables();

    private static String goVariables() {
        StringBuilder q = new StringBuilder("[");
        String param = "(parameter_list (parameter_declaration name: (identifier) @var type: (_) @type))";
        String variadic = "(parameter_list (variadic_parameter_declaration name: (identifier) @var))";
        for (String fn : new String[]{"function_declaration", "method_declaration", "func_literal"}) {
            for (String field : fn.equals("method_declaration") ? new String[]{"receiver", "parameters", "result"} : new String[]{"parameters", "result"}) {
                q.append("(").append(fn).append(" ").append(field).append(": ").append(param).append(") @scope ");
            }
            q.append("(").append(fn).append(" parameters: ").append(variadic).append(") @scope ");
        }
        // a var's scope is the file or the statements around its declaration
        for (String spec : new String[]{"(var_spec name: (identifier) @var)", "(var_spec name: (identifier) @var type: (_) @type)",
                "(var_spec name: (identifier) @var value: " + GO_LITERAL_TYPE + ")"}) {
            q.append("(_ (var_declaration ").append(spec).append(")) @scope ");
            q.append("(_ (var_declaration (var_spec_list ").append(spec).append("))) @scope ");
        }
        for (String parent : new String[]{"statement_list", "if_statement", "for_clause", "type_switch_statement", "expression_switch_statement"}) {
            q.append("(").append(parent).append(" (short_var_declaration left: (expression_list (identifier) @var))) @scope ");
            q.append("(").append(parent).append(" (short_var_declaration left: (expression_list . (identifier) @var .) right: ").append(GO_LITERAL_TYPE).append(")) @scope ");
        }
        q.append("(for_statement (range_clause left: (expression_list (identifier) @var))) @scope ");
        q.append("(communication_case (receive_statement left: (expression_list (identifier) @var))) @scope ");
        q.append("(type_switch_statement alias: (expression_list (identifier) @var)) @scope");
        return q.append("]").toString();
    }

    /**
     * Python's bindings of names in functions and modules, for the types of call receivers: each
     * way a name is bound ({@code @var}), with a written annotation ({@code @type}) or the callee of
     * an assigned call ({@code @ctor}: a class when it is one, {@code x = Session()}).
     */
    private static final String PY_VARIABLES = "[(assignment left: (identifier) @var right: (call function: [(identifier) (attribute)] @ctor)) "
            + "(assignment left: (identifier) @var type: (type) @type) (assignment left: (identifier) @var) "
            + "(assignment left: [(pattern_list) (tuple_pattern) (list_pattern)] (identifier) @var) (augmented_assignment left: (identifier) @var) "
            + "(typed_parameter (identifier) @var type: (type) @type) (typed_default_parameter name: (identifier) @var type: (type) @type) "
            + "(parameters (identifier) @var) (lambda_parameters (identifier) @var) (default_parameter name: (identifier) @var) "
            + "(list_splat_pattern (identifier) @var) (dictionary_splat_pattern (identifier) @var) "
            + "(for_statement left: (identifier) @var) (for_statement left: [(pattern_list) (tuple_pattern)] (identifier) @var) "
            + "(for_in_clause left: (identifier) @var) (for_in_clause left: [(pattern_list) (tuple_pattern)] (identifier) @var) "
            + "(as_pattern alias: (_) @var) (named_expression name: (identifier) @var) (global_statement (identifier) @var) "
            + "(nonlocal_statement (identifier) @var) "
            // an object's attributes (self.x = Session(), self.x: Session): typed per class
            + "(assignment left: (attribute object: (identifier) @self attribute: (identifier) @attr) right: (call function: [(identifier) (attribute)] @ctor)) "
            + "(assignment left: (attribute object: (identifier) @self attribute: (identifier) @attr) type: (type) @type) "
            + "(assignment left: (attribute object: (identifier) @self attribute: (identifier) @attr)) "
            + "(assignment left: [(pattern_list) (tuple_pattern)] (attribute object: (identifier) @self attribute: (identifier) @attr)) "
            + "(augmented_assignment left: (attribute object: (identifier) @self attribute: (identifier) @attr))]";

    /**
     * JavaScript's and TypeScript's bindings of names, for the types of call receivers: each way a
     * name is bound ({@code @var}), with the class of a {@code new} assigned ({@code @ctor}) or, in
     * TypeScript, an annotation naming a type ({@code @type}).
     */
    private static final String JS_BINDINGS = "(variable_declarator name: (identifier) @var value: (new_expression constructor: [(identifier) (member_expression)] @ctor)) "
            + "(variable_declarator name: (identifier) @var) "
            + "(assignment_expression left: (identifier) @var right: (new_expression constructor: [(identifier) (member_expression)] @ctor)) "
            + "(assignment_expression left: (identifier) @var) "
            + "(array_pattern (identifier) @var) (shorthand_property_identifier_pattern) @var (pair_pattern value: (identifier) @var) "
            + "(assignment_pattern left: (identifier) @var) (rest_pattern (identifier) @var) "
            + "(arrow_function parameter: (identifier) @var) (for_in_statement left: (identifier) @var) (catch_clause parameter: (identifier) @var) ";
    private static final String JS_VARIABLES = "[" + JS_BINDINGS + "(formal_parameters (identifier) @var)]";
    private static final String TS_VARIABLES = "[" + JS_BINDINGS
            + "(variable_declarator name: (identifier) @var type: (type_annotation (type_identifier) @type)) "
            + "(required_parameter pattern: (identifier) @var type: (type_annotation (type_identifier) @type)) "
            + "(optional_parameter pattern: (identifier) @var type: (type_annotation (type_identifier) @type)) "
            + "(required_parameter pattern: (identifier) @var) (optional_parameter pattern: (identifier) @var)]";

    /**
     * What a Java file's shape leaves out: bodies of methods, constructors and initializers, and
     * comments. Other files resolve against declarations only, so an edit there changes no edge of theirs.
     */
    private static final String JAVA_BODIES = "[(method_declaration body: (block) @skip) (constructor_declaration body: (constructor_body) @skip) "
            + "(compact_constructor_declaration body: (block) @skip) (static_initializer) @skip (class_body (block) @skip) "
            + "(enum_body_declarations (block) @skip) (line_comment) @skip (block_comment) @skip]";

    private final Language language;
    private final LanguageSpec spec;
    private final AstDepth depth;
    private final boolean nameReferences;

    public CodeFrontEnd(Language language, AstDepth depth) {
        this(language, depth, language != Language.JAVA);
    }

    /**
     * {@code nameReferences}: collect the calls, references, imports and base types that name
     * resolution works from. Java leaves them out by default (its symbol solver reads the source
     * itself) and asks for them for a file that solver cannot parse.
     */
    public CodeFrontEnd(Language language, AstDepth depth, boolean nameReferences) {
        this.language = language;
        this.spec = LanguageSpec.of(language);
        this.depth = depth;
        this.nameReferences = nameReferences;
    }

    /** This language's queries in the order of the group constants. */
    private List<String> groups(Grammar grammar) {
        return QUERY_GROUPS.computeIfAbsent(language.id + "/" + depth + "/" + nameReferences, k -> {
            String pkg = switch (language) {
                case JAVA -> "(package_declaration [(scoped_identifier) (identifier)] @pkg)";
                case KOTLIN -> "(package_header (identifier) @pkg)";
                case GO -> "(package_clause (package_identifier) @pkg)";
                default -> null;
            };
            // Java's names are resolved exactly later; the identifiers only tell which files may depend on which
            String identifiers = language == Language.JAVA ? "[(identifier) @name (type_identifier) @name]" : null;
            String bodies = language == Language.JAVA ? JAVA_BODIES : null;
            String variables = switch (language) {
                case GO -> GO_VARIABLES;
                case PYTHON -> PY_VARIABLES;
                case JAVASCRIPT -> JS_VARIABLES;
                case TYPESCRIPT, TSX -> TS_VARIABLES;
                default -> null;
            };
            return nameReferences
                    ? java.util.Arrays.asList(structureQuery(grammar), spec.calls(), spec.references(), spec.imports(), spec.inheritance(), pkg, identifiers, bodies, variables)
                    : java.util.Arrays.asList(structureQuery(grammar), null, null, null, null, pkg, identifiers, bodies, null);
        });
    }

    /** The query matching every structural node type of this grammar (built from its symbol table). */
    private String structureQuery(Grammar grammar) {
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < grammar.symbolCount(); i++) {
            if (!grammar.isRegular(i)) continue;
            String name = grammar.symbolName(i);
            if (name == null || name.isEmpty() || name.startsWith("_") || !Character.isLetter(name.charAt(0))) continue;
            boolean keep = switch (depth) {
                case DECLARATIONS -> spec.definitions().containsKey(name) || name.equals("ERROR");
                case STATEMENTS -> spec.definitions().containsKey(name) || statement(name);
                case FULL -> true;
            };
            if (keep) names.add(name);
        }
        names.add("ERROR");
        boolean bodies = depth != AstDepth.FULL && grammar.fieldId("body") > 0;
        StringBuilder q = new StringBuilder("[");
        for (String n : names) {
            // a struct, union, enum or class specifier defines a type only with its body; without, it names one
            if (bodies && n.endsWith("_specifier")) q.append(" (").append(n).append(" body: (_))");
            else q.append(" (").append(n).append(")");
        }
        return q.append("] @node").toString();
    }

    public ParsedCode parse(SyntaxTree tree, Grammar grammar, String relativePath) {
        return parse(tree, grammar, relativePath, null);
    }

    /** {@code modulePrefix} overrides the qualified-name prefix derived from the file (e.g. a Python package path). */
    public ParsedCode parse(SyntaxTree tree, Grammar grammar, String relativePath, String modulePrefix) {
        SyntaxNode root = tree.root();
        List<SyntaxNode> kept = new ArrayList<>();
        kept.add(root);
        // one pass over the tree answers every query of the file; a pass costs about as much as a query
        List<List<Map<String, SyntaxNode>>> matches = new ArrayList<>();
        for (int g = 0; g < GROUPS; g++) matches.add(new ArrayList<>());
        for (SyntaxTree.Match m : tree.queryGroups(groups(grammar))) matches.get(m.group()).add(m.captures());
        for (Map<String, SyntaxNode> m : matches.get(STRUCTURE)) {
            SyntaxNode n = m.get("node");
            if (n.startByte() == root.startByte() && n.endByte() == root.endByte() && n.type().equals(root.type())) continue;
            kept.add(n);
        }
        kept.sort(Comparator.comparingInt(SyntaxNode::startByte).thenComparing(Comparator.comparingInt(SyntaxNode::endByte).reversed()));
        String prefix = modulePrefix != null ? modulePrefix : namePrefix(tree, matches.get(PACKAGE), relativePath);
        List<FileGraph.AstNodeRecord> out = new ArrayList<>(kept.size());
        int[] stack = new int[kept.size() + 1];
        int sp = 0;
        String[] qualified = new String[kept.size()];
        String[] kinds = new String[kept.size()];
        int[] ends = new int[kept.size()];
        // a node's place in the output (the kept list holds, at declaration depth, some that are no definition)
        int[] written = new int[kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            SyntaxNode n = kept.get(i);
            // sorted by start, outer first: the parent is the nearest open node that still contains this one
            while (sp > 0 && ends[stack[sp - 1]] < n.endByte()) sp--;
            int parent = sp > 0 ? stack[sp - 1] : -1;
            ends[i] = n.endByte();
            String type = n.type();
            String kind = spec.definitions().get(type);
            String name = null;
            if (kind != null) {
                name = definitionName(n, tree, parent, kinds, kept);
                if (name == null) {
                    kind = null;
                } else if (kind.equals("function") && enclosingContainer(parent, kinds, stack, sp)) {
                    kind = "method";
                } else if (type.equals("type_spec")) {
                    SyntaxNode t = n.field("type");
                    if (t != null && t.type().equals("struct_type")) kind = "struct";
                    else if (t != null && t.type().equals("interface_type")) kind = "interface";
                }
            }
            kinds[i] = kind;
            String enclosing = null;
            for (int s = sp - 1; s >= 0; s--) {
                if (qualified[stack[s]] != null) {
                    enclosing = qualified[stack[s]];
                    break;
                }
            }
            if (kind != null && language == Language.GO && type.equals("method_declaration") && enclosing == null) {
                String receiver = goReceiver(n, tree);
                if (receiver != null) enclosing = prefix + receiver;
            }
            if (kind != null) qualified[i] = (enclosing != null ? enclosing + "." : prefix) + name;
            if (kind == null && i > 0 && !type.equals("ERROR") && (depth == AstDepth.DECLARATIONS || (depth == AstDepth.STATEMENTS && !statement(type)))) {
                // a node of a definition's type that defines nothing: at declaration depth not a declaration (a C local
                // variable or prototype), at statement depth a statement's part (a JavaScript declarator whose value is
                // no function); what it contains hangs from its parent
                continue;
            }
            boolean error = n.isError() || ((kind != null || i == 0) && n.hasError());
            written[i] = out.size();
            out.add(new FileGraph.AstNodeRecord(parent < 0 ? -1 : written[parent], type, name, kind, kind != null ? qualified[i] : null,
                    n.startLine(), n.endLine(), n.startByte(), n.endByte(), error));
            stack[sp++] = i;
        }
        List<RawReference> refs = references(tree, matches);
        if (language == Language.GO && nameReferences) refs = withReceiverTypes(refs, tree, matches);
        if ((language == Language.PYTHON || language == Language.JAVASCRIPT || language == Language.TYPESCRIPT || language == Language.TSX) && nameReferences) refs = withScopedReceiverTypes(refs, tree, matches, out);
        Set<String> identifiers = new java.util.TreeSet<>();
        for (Map<String, SyntaxNode> m : matches.get(IDENTIFIERS)) identifiers.add(tree.text(m.get("name")));
        // JavaParser may fail on a Java file with a syntax error, and the files using it then resolve differently:
        // such a file has no shape. Name resolution depends on the definitions alone, errors or not.
        String syntaxError = root.hasError() ? firstSyntaxError(tree) : null;
        FileShape shape = null;
        if (syntaxError == null || language != Language.JAVA) {
            List<int[]> skips = new ArrayList<>();
            for (Map<String, SyntaxNode> m : matches.get(BODIES)) skips.add(new int[]{m.get("skip").startByte(), m.get("skip").endByte()});
            shape = FileShape.of(out, tree.source(), skips, language == Language.JAVA);
        }
        return new ParsedCode(out, refs, identifiers, syntaxError, shape);
    }

    /**
     * Where the first syntax error of a tree is, for a person to find it: the line and what the parser
     * could not take ({@code unexpected "..."}) or had to assume ({@code missing ";"}).
     */
    static String firstSyntaxError(SyntaxTree tree) {
        SyntaxNode n = tree.root();
        // descend into the first child holding an error until the error node itself
        outer:
        while (!n.isError()) {
            for (int i = 0; i < n.childCount(); i++) {
                SyntaxNode c = n.child(i);
                if (c.isError() || c.hasError()) {
                    n = c;
                    continue outer;
                }
            }
            break; // an error flag without an error child (should not happen): report the node itself
        }
        if (!n.type().equals("ERROR") && n.isError()) return "line " + n.startLine() + ": missing \"" + n.type() + "\"";
        String text = tree.text(n).strip();
        int newline = text.indexOf('\n');
        if (newline >= 0) text = text.substring(0, newline).strip();
        if (text.length() > 40) text = text.substring(0, 40) + "...";
        return "line " + n.startLine() + ": " + (text.isEmpty() ? "syntax error" : "unexpected \"" + text + "\"");
    }

    private static final Map<Language, Map<String, Boolean>> STATEMENT_TYPES = new java.util.EnumMap<>(Language.class);

    static {
        for (Language l : Language.values()) STATEMENT_TYPES.put(l, new ConcurrentHashMap<>());
    }

    /**
     * Whether statement depth keeps a node of this type for its structure, whether or not it defines
     * anything: a statement or a clause of one, not one of a statement's parts, not a block or body
     * that only holds statements or members. The structure query and the nodes it finds both go by it.
     */
    private boolean statement(String type) {
        return STATEMENT_TYPES.get(language).computeIfAbsent(type, t ->
                // a C or C++ declaration is a statement (a local variable) though its name has no suffix that says so
                (t.equals("declaration") || (STRUCTURAL.matcher(t).matches() && !BELOW_STATEMENTS.matcher(t).matches()))
                        // Ruby's block is a closure, not a container
                        && !(CONTAINERS.matcher(t).matches() && !(language == Language.RUBY && t.equals("block"))));
    }

    private static boolean enclosingContainer(int parent, String[] kinds, int[] stack, int sp) {
        for (int s = sp - 1; s >= 0; s--) {
            String k = kinds[stack[s]];
            if (k == null) continue;
            return LanguageSpec.CONTAINERS.contains(k);
        }
        return false;
    }

    /** The prefix of qualified names: Java/Kotlin/Go package, Python module path. */
    private String namePrefix(SyntaxTree tree, List<Map<String, SyntaxNode>> packages, String relativePath) {
        switch (language) {
            case JAVA, KOTLIN, GO -> {
                for (Map<String, SyntaxNode> m : packages) return tree.text(m.get("pkg")).replaceAll("\\s+", "") + ".";
                return "";
            }
            case PYTHON -> {
                String p = relativePath.replaceAll("\\.pyi?$", "");
                if (p.endsWith("/__init__")) p = p.substring(0, p.length() - "/__init__".length());
                else if (p.equals("__init__")) p = "";
                return p.isEmpty() ? "" : p.replace('/', '.') + ".";
            }
            default -> {
                return "";
            }
        }
    }

    private String definitionName(SyntaxNode n, SyntaxTree tree, int parent, String[] kinds, List<SyntaxNode> kept) {
        String type = n.type();
        switch (language) {
            case C, CPP -> {
                switch (type) {
                    case "function_definition":
                        return declaratorName(n.field("declarator"), tree);
                    case "declaration": {
                        // top-level variables only; prototypes and locals are not definitions
                        if (parent != 0) return null;
                        SyntaxNode d = n.field("declarator");
                        if (d == null || containsFunctionDeclarator(d)) return null;
                        return declaratorName(d, tree);
                    }
                    case "type_definition":
                    case "alias_declaration": {
                        SyntaxNode d = type.equals("alias_declaration") ? n.field("name") : n.field("declarator");
                        return d == null ? null : declaratorName(d, tree);
                    }
                    case "struct_specifier":
                    case "union_specifier":
                    case "enum_specifier":
                    case "class_specifier": {
                        if (n.field("body") == null) return null;
                        SyntaxNode nm = n.field("name");
                        return nm == null ? null : lastSegment(tree.text(nm));
                    }
                    default:
                        break;
                }
            }
            case JAVA -> {
                if (type.equals("field_declaration")) {
                    SyntaxNode d = n.field("declarator");
                    SyntaxNode nm = d == null ? null : d.field("name");
                    return nm == null ? null : tree.text(nm);
                }
            }
            case JAVASCRIPT, TYPESCRIPT, TSX -> {
                if (type.equals("variable_declarator")) {
                    SyntaxNode v = n.field("value");
                    SyntaxNode nm = n.field("name");
                    if (v == null || nm == null || !FUNCTION_VALUES.contains(v.type()) || !nm.type().equals("identifier")) return null;
                    return tree.text(nm);
                }
            }
            case RUST -> {
                if (type.equals("impl_item")) {
                    SyntaxNode t = n.field("type");
                    return t == null ? null : genericBase(tree.text(t));
                }
            }
            case KOTLIN -> {
                for (int i = 0; i < n.childCount(); i++) {
                    SyntaxNode c = n.child(i);
                    if (c.type().equals("type_identifier") || c.type().equals("simple_identifier")) return tree.text(c);
                }
                return null;
            }
            default -> { }
        }
        SyntaxNode nm = n.field("name");
        if (nm == null) return null;
        String text = tree.text(nm).strip();
        return text.isEmpty() ? null : lastSegment(text);
    }

    /** The type name of a Go method's receiver ({@code (g *Greeter)} gives {@code Greeter}). */
    private static String goReceiver(SyntaxNode method, SyntaxTree tree) {
        SyntaxNode recv = method.field("receiver");
        if (recv == null) return null;
        String text = tree.text(recv).replaceAll("[()*]", " ").strip();
        String[] parts = text.split("\\s+");
        String t = parts[parts.length - 1];
        int lt = t.indexOf('[');
        return lt > 0 ? t.substring(0, lt) : t;
    }

    private static boolean containsFunctionDeclarator(SyntaxNode d) {
        while (d != null) {
            if (d.type().equals("function_declarator")) return true;
            d = d.field("declarator");
        }
        return false;
    }

    private static String declaratorName(SyntaxNode d, SyntaxTree tree) {
        for (int guard = 0; d != null && guard < 16; guard++) {
            switch (d.type()) {
                case "identifier", "field_identifier", "type_identifier", "destructor_name", "operator_name", "primitive_type" -> {
                    return tree.text(d);
                }
                case "qualified_identifier" -> {
                    SyntaxNode nm = d.field("name");
                    return nm == null ? lastSegment(tree.text(d)) : declaratorName(nm, tree);
                }
                default -> {
                    SyntaxNode next = d.field("declarator");
                    if (next == null) {
                        for (int i = 0; i < d.childCount(); i++) {
                            SyntaxNode c = d.child(i);
                            if (c.isNamed()) {
                                next = c;
                                break;
                            }
                        }
                    }
                    d = next;
                }
            }
        }
        return null;
    }

    /**
     * A call's receiver as {@link RawReference#owner()} keeps it: a name or a dotted chain of names
     * ({@code a.b}), {@link RawReference#LITERAL} for a literal ({@code ", ".join(...)},
     * {@code [a, b].map(...)}), else empty.
     */
    private static String receiverName(SyntaxNode receiver, SyntaxTree tree) {
        if (receiver.type().equals("identifier")) return tree.text(receiver);
        if (LITERALS.contains(receiver.type())) return RawReference.LITERAL;
        if (receiver.endByte() - receiver.startByte() > 200) return "";
        String text = tree.text(receiver);
        return DOTTED_NAME.matcher(text).matches() ? text : "";
    }

    /** Literal expressions of Python, JavaScript, TypeScript and Go, whose methods are the language's own. */
    private static final Set<String> LITERALS = Set.of("string", "concatenated_string", "integer", "float", "list", "dictionary", "set", "tuple",
            "list_comprehension", "dictionary_comprehension", "set_comprehension", "template_string", "number", "array", "regex",
            "interpreted_string_literal", "raw_string_literal", "int_literal", "float_literal", "composite_literal");

    private static final java.util.regex.Pattern DOTTED_NAME = java.util.regex.Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

    private static String lastSegment(String s) {
        int i = Math.max(s.lastIndexOf("::"), s.lastIndexOf('.'));
        return i >= 0 ? s.substring(i + (s.startsWith("::", i) ? 2 : 1)) : s;
    }

    private static String genericBase(String s) {
        int lt = s.indexOf('<');
        return lastSegment((lt >= 0 ? s.substring(0, lt) : s).strip());
    }

    /**
     * A declared Go variable: its name, where, its named type ({@link RawReference#UNTYPED} when not
     * written or not named), and the range it is visible in ({@code file}: the whole file, in any order).
     */
    private record Variable(String name, int at, String type, int scopeStart, int scopeEnd, boolean file) {
        boolean visibleAt(int offset) {
            return scopeStart <= offset && offset < scopeEnd && (file || at < offset);
        }
    }

    /** Of two matches of one declaration (several patterns match it), the one that sees its type. */
    private static final java.util.function.BinaryOperator<Variable> SEES_TYPE = (a, b) -> a.type().equals(RawReference.UNTYPED) ? b : a;
    /** Of two bindings of a name in one scope: their type when they agree, else UNTYPED. */
    private static final java.util.function.BinaryOperator<String> AGREED_TYPE = (a, b) -> a.equals(b) ? a : RawReference.UNTYPED;

    /**
     * Go calls on a variable, with the type it is declared with: the innermost declaration of that
     * name visible at the call (a parameter in its function, a local from its statement to the end
     * of its block, a variable of the file anywhere in it); {@link RawReference#UNTYPED} when that
     * one does not write a named type. A name with no declaration in the file (another file's
     * variable, an imported package) keeps none.
     */
    private static List<RawReference> withReceiverTypes(List<RawReference> refs, SyntaxTree tree, List<List<Map<String, SyntaxNode>>> matches) {
        Set<String> receivers = callReceivers(refs);
        Map<Integer, Variable> byPosition = new java.util.HashMap<>();
        for (Map<String, SyntaxNode> m : matches.get(VARIABLES)) {
            SyntaxNode v = m.get("var"), scope = m.get("scope");
            if (v == null || scope == null) continue;
            String name = tree.text(v);
            if (!receivers.contains(name)) continue; // no call is made on it
            SyntaxNode t = m.get("type");
            String type = t == null ? RawReference.UNTYPED : goNamedType(t, tree);
            byPosition.merge(v.startByte(), new Variable(name, v.startByte(), type, scope.startByte(), scope.endByte(), scope.type().equals("source_file")),
                    SEES_TYPE);
        }
        if (byPosition.isEmpty()) return refs;
        Map<String, List<Variable>> byName = new java.util.HashMap<>();
        for (Variable v : byPosition.values()) byName.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(v);
        List<RawReference> out = new ArrayList<>(refs.size());
        for (RawReference r : refs) {
            List<Variable> declared = r.kind() == RawReference.Kind.CALL && r.owner() != null ? byName.get(r.owner()) : null;
            Variable innermost = null;
            if (declared != null) {
                for (Variable v : declared) {
                    if (!v.visibleAt(r.startByte())) continue;
                    if (innermost == null || v.scopeStart() > innermost.scopeStart() || (v.scopeStart() == innermost.scopeStart() && v.at() > innermost.at())) innermost = v;
                }
            }
            out.add(innermost == null ? r : new RawReference(r.kind(), r.name(), r.owner(), r.startByte(), r.line(), innermost.type()));
        }
        return out;
    }

    private static final Pattern DOTTED = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

    /**
     * Python, JavaScript and TypeScript calls on a variable, with the type it is bound to. The
     * bindings that count are those of the innermost function around the call that binds the name,
     * else the module's: Python's scopes exactly; in JavaScript a {@code let} or {@code const} of a
     * block is taken as its function's, which only makes more names untyped. When all of them give
     * the same type it is the receiver's: an annotation ({@code req: Request}; Python also dotted),
     * a {@code new C()} assigned, or in Python a call of a capitalized name ({@code s = Session()},
     * which the resolver takes as that class's instance only when the name resolves to a class);
     * any other binding ({@code for x in ...}, {@code x = make()}) makes it {@link RawReference#UNTYPED}.
     * A Python call on {@code self.x} takes the type the class gives its attribute {@code x}: every
     * {@code self.x = ...} in the class's methods and every binding of {@code x} in its body (a
     * dataclass's {@code x: Session}) must agree.
     */
    private List<RawReference> withScopedReceiverTypes(List<RawReference> refs, SyntaxTree tree, List<List<Map<String, SyntaxNode>>> matches,
                                                       List<FileGraph.AstNodeRecord> ast) {
        Set<String> receivers = callReceivers(refs);
        Map<Integer, Variable> byPosition = new java.util.HashMap<>();
        Map<Integer, Variable> attributes = new java.util.HashMap<>();
        for (Map<String, SyntaxNode> m : matches.get(VARIABLES)) {
            SyntaxNode v = m.get("var"), attr = m.get("attr");
            if (attr != null) {
                // self.x in a method: an attribute of its class, as "self.x"
                if (!"self".equals(tree.text(m.get("self")))) continue;
                String name = "self." + tree.text(attr);
                if (receivers.contains(name)) {
                    attributes.merge(attr.startByte(), new Variable(name, attr.startByte(), boundType(m, tree), 0, 0, false),
                            SEES_TYPE);
                }
                continue;
            }
            if (v == null) continue;
            String name = tree.text(v);
            // (a name bound in a class body is an attribute too: self.name in its methods)
            if (!receivers.contains(name) && !(language == Language.PYTHON && receivers.contains("self." + name))) continue; // no call is made on it
            byPosition.merge(v.startByte(), new Variable(name, v.startByte(), boundType(m, tree), 0, 0, false), SEES_TYPE);
        }
        if (byPosition.isEmpty() && attributes.isEmpty()) return refs;
        // functions and classes, each with the innermost one around it
        List<FileGraph.AstNodeRecord> scopes = new ArrayList<>();
        for (FileGraph.AstNodeRecord a : ast) if (a.kind() != null && (a.kind().equals("function") || a.kind().equals("method") || a.kind().equals("class"))) scopes.add(a);
        Map<FileGraph.AstNodeRecord, Map<String, String>> bound = new java.util.HashMap<>();
        Map<String, String> moduleLevel = new java.util.HashMap<>();
        Map<FileGraph.AstNodeRecord, Map<String, String>> ofClass = new java.util.HashMap<>();
        for (Variable v : byPosition.values()) {
            FileGraph.AstNodeRecord in = innermost(scopes, v.at());
            if (in != null && in.kind().equals("class")) {
                // a class body's names are its attributes, not variables of the methods in it
                ofClass.computeIfAbsent(in, k -> new java.util.HashMap<>()).merge("self." + v.name(), v.type(), AGREED_TYPE);
                continue;
            }
            Map<String, String> types = in == null ? moduleLevel : bound.computeIfAbsent(in, k -> new java.util.HashMap<>());
            types.merge(v.name(), v.type(), AGREED_TYPE);
        }
        for (Variable v : attributes.values()) {
            FileGraph.AstNodeRecord cls = classAround(scopes, v.at());
            if (cls != null) ofClass.computeIfAbsent(cls, k -> new java.util.HashMap<>()).merge(v.name(), v.type(), AGREED_TYPE);
        }
        List<RawReference> out = new ArrayList<>(refs.size());
        for (RawReference r : refs) {
            String type = null;
            if (r.kind() == RawReference.Kind.CALL && r.owner() != null && r.owner().startsWith("self.") && r.owner().indexOf('.', 5) < 0) {
                FileGraph.AstNodeRecord cls = classAround(scopes, r.startByte());
                if (cls != null) type = ofClass.getOrDefault(cls, Map.of()).get(r.owner());
            } else if (r.kind() == RawReference.Kind.CALL && r.owner() != null && receivers.contains(r.owner())) {
                for (FileGraph.AstNodeRecord f = innermost(scopes, r.startByte()); f != null && type == null; f = enclosingOf(scopes, f)) {
                    if (!f.kind().equals("class")) type = bound.getOrDefault(f, Map.of()).get(r.owner());
                }
                if (type == null) type = moduleLevel.get(r.owner());
            }
            out.add(type == null ? r : new RawReference(r.kind(), r.name(), r.owner(), r.startByte(), r.line(), type));
        }
        return out;
    }

    /** The innermost class around an offset (through the methods and functions in it), or null. */
    private static FileGraph.AstNodeRecord classAround(List<FileGraph.AstNodeRecord> scopes, int at) {
        FileGraph.AstNodeRecord f = innermost(scopes, at);
        while (f != null && !f.kind().equals("class")) f = enclosingOf(scopes, f);
        return f;
    }

    /** The type a binding gives: an annotation naming one, the callee of a {@code new} or (Python) a capitalized call; else UNTYPED. */
    private String boundType(Map<String, SyntaxNode> m, SyntaxTree tree) {
        SyntaxNode t = m.get("type"), ctor = m.get("ctor");
        String type = RawReference.UNTYPED;
        if (t != null) {
            String text = tree.text(t).strip();
            if (text.length() > 2 && (text.charAt(0) == '"' || text.charAt(0) == '\'') && text.charAt(text.length() - 1) == text.charAt(0)) text = text.substring(1, text.length() - 1);
            if (DOTTED.matcher(text).matches()) type = text;
        } else if (ctor != null) {
            // JavaScript's new names a class; a Python call does when it names one (checked when resolving), by custom capitalized
            String text = tree.text(ctor);
            String last = lastSegment(text);
            if (DOTTED.matcher(text).matches() && !last.isEmpty() && (language != Language.PYTHON || Character.isUpperCase(last.charAt(0)))) type = text;
        }
        return type;
    }

    /** The receivers calls are made on (names, dotted chains): declarations of other names need no type. */
    private static Set<String> callReceivers(List<RawReference> refs) {
        Set<String> receivers = new java.util.HashSet<>();
        for (RawReference r : refs) if (r.kind() == RawReference.Kind.CALL && r.owner() != null && !r.owner().isEmpty()) receivers.add(r.owner());
        return receivers;
    }

    /** The innermost of {@code scopes} (sorted by start, outer first) around an offset, or null. */
    private static FileGraph.AstNodeRecord innermost(List<FileGraph.AstNodeRecord> scopes, int at) {
        FileGraph.AstNodeRecord found = null;
        for (FileGraph.AstNodeRecord s : scopes) {
            if (s.startByte() > at) break;
            if (at < s.endByte()) found = s;
        }
        return found;
    }

    /** The innermost of {@code scopes} strictly around {@code inner}, or null. */
    private static FileGraph.AstNodeRecord enclosingOf(List<FileGraph.AstNodeRecord> scopes, FileGraph.AstNodeRecord inner) {
        FileGraph.AstNodeRecord found = null;
        for (FileGraph.AstNodeRecord s : scopes) {
            if (s == inner || s.startByte() > inner.startByte()) break;
            if (inner.endByte() <= s.endByte()) found = s;
        }
        return found;
    }

    /** A Go type as a receiver's type: the named type ({@code T}, {@code pkg.T}) behind pointers and type arguments, else UNTYPED. */
    private static String goNamedType(SyntaxNode t, SyntaxTree tree) {
        for (int guard = 0; t != null && guard < 8; guard++) {
            switch (t.type()) {
                case "type_identifier" -> {
                    return tree.text(t);
                }
                case "qualified_type" -> {
                    return tree.text(t).replaceAll("\\s+", "");
                }
                case "generic_type" -> t = t.field("type");
                case "pointer_type", "parenthesized_type" -> {
                    SyntaxNode inner = null;
                    for (int i = 0; i < t.childCount() && inner == null; i++) if (t.child(i).isNamed()) inner = t.child(i);
                    t = inner;
                }
                default -> {
                    return RawReference.UNTYPED;
                }
            }
        }
        return RawReference.UNTYPED;
    }

    private List<RawReference> references(SyntaxTree tree, List<List<Map<String, SyntaxNode>>> matches) {
        List<RawReference> out = new ArrayList<>();
        for (Map<String, SyntaxNode> m : matches.get(CALLS)) {
            SyntaxNode n = m.get("name");
            if (n == null) continue;
            SyntaxNode receiver = m.get("receiver");
            out.add(new RawReference(RawReference.Kind.CALL, tree.text(n), receiver == null ? null : receiverName(receiver, tree), n.startByte(), n.startLine()));
        }
        // a name qualified by its package (Go's testing.T) matches twice: the qualified match says more
        Map<Integer, RawReference> named = new java.util.LinkedHashMap<>();
        for (Map<String, SyntaxNode> m : matches.get(REFERENCES)) {
            SyntaxNode n = m.get("name"), receiver = m.get("receiver");
            if (n == null) continue;
            RawReference ref = new RawReference(RawReference.Kind.REFERENCE, tree.text(n), receiver == null ? null : tree.text(receiver), n.startByte(), n.startLine());
            if (receiver != null || !named.containsKey(n.startByte())) named.put(n.startByte(), ref);
        }
        out.addAll(named.values());
        Set<Integer> importsAt = new java.util.HashSet<>(); // an aliased Go import matches two patterns
        for (Map<String, SyntaxNode> m : matches.get(IMPORTS)) {
            SyntaxNode from = m.get("from"), bound = m.get("bound"), module = m.get("module");
            if (from != null) {
                // from M import N [as A]: A (or N) stands for M.N, a module or a name defined in M
                SyntaxNode imported = m.get("imported");
                String moduleName = tree.text(from), name = tree.text(imported != null ? imported : bound);
                String spec = moduleName.endsWith(".") ? moduleName + name : moduleName + "." + name;
                out.add(new RawReference(RawReference.Kind.BIND, tree.text(bound), spec, bound.startByte(), bound.startLine()));
                continue;
            }
            if (module != null) {
                // import a.b: imports a.b, and binds a
                String path = tree.text(module);
                String top = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
                out.add(new RawReference(RawReference.Kind.IMPORT, path, null, module.startByte(), module.startLine()));
                out.add(new RawReference(RawReference.Kind.BIND, top, top, module.startByte(), module.startLine()));
                continue;
            }
            SyntaxNode p = m.get("path");
            SyntaxNode fn = m.get("fn");
            if (p == null) continue;
            String f = fn == null ? null : tree.text(fn);
            if (fn != null && !IMPORTING_CALLS.contains(f)) continue;
            if (importsAt.add(p.startByte())) out.add(new RawReference(RawReference.Kind.IMPORT, tree.text(p), f, p.startByte(), p.startLine()));
            if (bound != null) out.add(new RawReference(RawReference.Kind.BIND, tree.text(bound), tree.text(p), bound.startByte(), bound.startLine()));
        }
        for (Map<String, SyntaxNode> m : matches.get(INHERITANCE)) {
            SyntaxNode c = m.get("class"), b = m.get("base");
            if (c != null && b != null) {
                out.add(new RawReference(RawReference.Kind.INHERIT, lastSegment(tree.text(b)), tree.text(c), c.startByte(), b.startLine()));
            }
        }
        return out;
    }
}
