package carto.ingest.lang;

import java.util.Map;
import java.util.Set;

/**
 * What a language's syntax means to the graph: which node types define symbols (and of what
 * kind), and the tree-sitter queries that find calls, type references, imports and base types.
 * Query captures: {@code @name} (callee / referenced name), {@code @path} (import target),
 * {@code @class} and {@code @base} (inheritance), {@code @fn} (the function of a call that imports,
 * such as {@code require}), {@code @receiver} (what a call is made on, {@code x} in {@code x.f()},
 * where the form of a call tells what it can mean; the package of a Go type, {@code testing.T}).
 * Python's and Go's imports also say which names they bind: {@code @bound} (an alias, or a name a
 * Python from-import binds), {@code @module} (a Python {@code import a.b}, which binds {@code a}),
 * {@code @from} (a from-import's module) and {@code @imported} (the name a from-import imports
 * under an alias).
 */
public record LanguageSpec(Language language, Map<String, String> definitions, Set<String> typeKinds,
                           String calls, String references, String imports, String inheritance) {

    /** Kinds that hold methods: a function defined inside one of these is a method. */
    public static final Set<String> CONTAINERS = Set.of("class", "interface", "struct", "trait", "impl", "enum", "record", "object", "module", "union");

    private static final Set<String> TYPES = Set.of("class", "interface", "struct", "trait", "enum", "record", "object", "union", "typedef", "type", "module");

    public static LanguageSpec of(Language l) {
        return switch (l) {
            case JAVA -> new LanguageSpec(l, Map.of("class_declaration", "class", "interface_declaration", "interface", "enum_declaration", "enum",
                    "record_declaration", "record", "annotation_type_declaration", "interface", "method_declaration", "method",
                    "constructor_declaration", "constructor", "field_declaration", "field"), TYPES,
                    // run only for files JavaParser cannot parse: the others are resolved exactly by its symbol solver
                    "[(method_invocation name: (identifier) @name) (object_creation_expression type: [(type_identifier) @name (generic_type (type_identifier) @name)])]",
                    "(type_identifier) @name",
                    "(import_declaration (scoped_identifier) @path)",
                    "[(class_declaration name: (identifier) @class superclass: (superclass [(type_identifier) @base (generic_type (type_identifier) @base)])) "
                            + "(class_declaration name: (identifier) @class interfaces: (super_interfaces (type_list [(type_identifier) @base (generic_type (type_identifier) @base)]))) "
                            + "(interface_declaration name: (identifier) @class (extends_interfaces (type_list [(type_identifier) @base (generic_type (type_identifier) @base)])))]");
            case PYTHON -> new LanguageSpec(l, Map.of("class_definition", "class", "function_definition", "function"), TYPES,
                    "(call function: [(identifier) @name (attribute object: (_) @receiver attribute: (identifier) @name)])",
                    "[(argument_list (identifier) @name) (type (identifier) @name) (assignment right: (identifier) @name)]",
                    "[(import_statement name: (dotted_name) @module) "
                            + "(import_statement name: (aliased_import name: (dotted_name) @path alias: (identifier) @bound)) "
                            + "(import_from_statement module_name: [(dotted_name) @path (relative_import) @path]) "
                            + "(import_from_statement module_name: [(dotted_name) (relative_import)] @from "
                            + "name: [(dotted_name) @bound (aliased_import name: (dotted_name) @imported alias: (identifier) @bound)])]",
                    "(class_definition name: (identifier) @class superclasses: (argument_list [(identifier) @base (attribute attribute: (identifier) @base)]))");
            case C -> new LanguageSpec(l, Map.of("function_definition", "function", "struct_specifier", "struct", "union_specifier", "union",
                    "enum_specifier", "enum", "type_definition", "typedef", "declaration", "variable", "preproc_function_def", "macro", "preproc_def", "macro"), TYPES,
                    "(call_expression function: (identifier) @name)",
                    "(type_identifier) @name",
                    "(preproc_include path: (string_literal) @path)", null);
            case CPP -> new LanguageSpec(l, Map.ofEntries(Map.entry("function_definition", "function"), Map.entry("struct_specifier", "struct"),
                    Map.entry("union_specifier", "union"), Map.entry("enum_specifier", "enum"), Map.entry("class_specifier", "class"),
                    Map.entry("namespace_definition", "namespace"), Map.entry("type_definition", "typedef"), Map.entry("alias_declaration", "typedef"),
                    Map.entry("declaration", "variable"), Map.entry("preproc_function_def", "macro"), Map.entry("preproc_def", "macro")), TYPES,
                    "(call_expression function: [(identifier) @name (field_expression field: (field_identifier) @name) (qualified_identifier name: (identifier) @name)])",
                    "(type_identifier) @name",
                    "(preproc_include path: (string_literal) @path)",
                    "[(class_specifier name: (type_identifier) @class (base_class_clause (type_identifier) @base)) "
                            + "(struct_specifier name: (type_identifier) @class (base_class_clause (type_identifier) @base))]");
            case GO -> new LanguageSpec(l, Map.of("function_declaration", "function", "method_declaration", "method", "type_spec", "type",
                    "const_spec", "constant", "var_spec", "variable"), TYPES,
                    "(call_expression function: [(identifier) @name (selector_expression operand: (_) @receiver field: (field_identifier) @name)])",
                    "[(qualified_type package: (package_identifier) @receiver name: (type_identifier) @name) (type_identifier) @name]",
                    "[(import_spec name: (package_identifier) @bound path: (interpreted_string_literal) @path) "
                            + "(import_spec path: (interpreted_string_literal) @path)]", null);
            case RUST -> new LanguageSpec(l, Map.ofEntries(Map.entry("function_item", "function"), Map.entry("function_signature_item", "function"),
                    Map.entry("struct_item", "struct"), Map.entry("enum_item", "enum"), Map.entry("union_item", "union"), Map.entry("trait_item", "trait"),
                    Map.entry("impl_item", "impl"), Map.entry("mod_item", "module"), Map.entry("type_item", "type"), Map.entry("const_item", "constant"),
                    Map.entry("static_item", "variable"), Map.entry("macro_definition", "macro")), TYPES,
                    "[(call_expression function: [(identifier) @name (field_expression field: (field_identifier) @name) (scoped_identifier name: (identifier) @name)]) "
                            + "(macro_invocation macro: (identifier) @name)]",
                    "(type_identifier) @name",
                    "[(use_declaration argument: (_) @path) (mod_item name: (identifier) @path !body)]",
                    "(impl_item trait: [(type_identifier) @base (scoped_type_identifier name: (type_identifier) @base) (generic_type type: (type_identifier) @base)] "
                            + "type: [(type_identifier) @class (generic_type type: (type_identifier) @class)])");
            case JAVASCRIPT -> new LanguageSpec(l, Map.of("class_declaration", "class", "function_declaration", "function",
                    "generator_function_declaration", "function", "method_definition", "method", "variable_declarator", "function"), TYPES,
                    "[(call_expression function: [(identifier) @name (member_expression object: (_) @receiver property: (property_identifier) @name)]) (new_expression constructor: (identifier) @name)]",
                    null,
                    "[(import_statement source: (string (string_fragment) @path)) (export_statement source: (string (string_fragment) @path)) "
                            + "(call_expression function: (identifier) @fn arguments: (arguments . (string (string_fragment) @path)))]",
                    "(class_declaration name: (identifier) @class (class_heritage (identifier) @base))");
            case TYPESCRIPT, TSX -> new LanguageSpec(l, Map.ofEntries(Map.entry("class_declaration", "class"), Map.entry("abstract_class_declaration", "class"),
                    Map.entry("function_declaration", "function"), Map.entry("generator_function_declaration", "function"), Map.entry("method_definition", "method"),
                    Map.entry("method_signature", "method"), Map.entry("abstract_method_signature", "method"), Map.entry("interface_declaration", "interface"),
                    Map.entry("type_alias_declaration", "type"), Map.entry("enum_declaration", "enum"), Map.entry("variable_declarator", "function"),
                    Map.entry("internal_module", "module")), TYPES,
                    "[(call_expression function: [(identifier) @name (member_expression object: (_) @receiver property: (property_identifier) @name)]) (new_expression constructor: (identifier) @name)]",
                    "(type_identifier) @name",
                    "[(import_statement source: (string (string_fragment) @path)) (export_statement source: (string (string_fragment) @path)) "
                            + "(call_expression function: (identifier) @fn arguments: (arguments . (string (string_fragment) @path)))]",
                    "[(class_declaration name: (type_identifier) @class (class_heritage [(extends_clause value: [(identifier) @base (member_expression property: (property_identifier) @base)]) (implements_clause (type_identifier) @base)])) "
                            + "(abstract_class_declaration name: (type_identifier) @class (class_heritage [(extends_clause value: (identifier) @base) (implements_clause (type_identifier) @base)])) "
                            + "(interface_declaration name: (type_identifier) @class (extends_type_clause (type_identifier) @base))]");
            case KOTLIN -> new LanguageSpec(l, Map.of("class_declaration", "class", "object_declaration", "object", "function_declaration", "function",
                    "type_alias", "type"), TYPES,
                    "[(call_expression (simple_identifier) @name) (call_expression (navigation_expression (navigation_suffix (simple_identifier) @name)))]",
                    "(user_type (type_identifier) @name)",
                    "(import_header (identifier) @path)",
                    "(class_declaration (type_identifier) @class (delegation_specifier [(constructor_invocation (user_type (type_identifier) @base)) (user_type (type_identifier) @base)]))");
            case CSHARP -> new LanguageSpec(l, Map.ofEntries(Map.entry("class_declaration", "class"), Map.entry("interface_declaration", "interface"),
                    Map.entry("struct_declaration", "struct"), Map.entry("enum_declaration", "enum"), Map.entry("record_declaration", "record"),
                    Map.entry("method_declaration", "method"), Map.entry("constructor_declaration", "constructor"), Map.entry("property_declaration", "property"),
                    Map.entry("namespace_declaration", "namespace"), Map.entry("file_scoped_namespace_declaration", "namespace"),
                    Map.entry("delegate_declaration", "type")), TYPES,
                    "[(invocation_expression function: [(identifier) @name (member_access_expression name: (identifier) @name)]) (object_creation_expression type: (identifier) @name)]",
                    null, null,
                    "[(class_declaration name: (identifier) @class (base_list [(identifier) @base (generic_name (identifier) @base)])) "
                            + "(interface_declaration name: (identifier) @class (base_list (identifier) @base)) (struct_declaration name: (identifier) @class (base_list (identifier) @base))]");
            case RUBY -> new LanguageSpec(l, Map.of("class", "class", "module", "module", "method", "method", "singleton_method", "method"), TYPES,
                    "[(call method: (identifier) @name) (body_statement (identifier) @name)]",
                    "(constant) @name",
                    "(call method: (identifier) @fn arguments: (argument_list . (string (string_content) @path)))",
                    "(class name: (constant) @class superclass: (superclass (constant) @base))");
            case PHP -> new LanguageSpec(l, Map.ofEntries(Map.entry("class_declaration", "class"), Map.entry("interface_declaration", "interface"),
                    Map.entry("trait_declaration", "trait"), Map.entry("enum_declaration", "enum"), Map.entry("function_definition", "function"),
                    Map.entry("method_declaration", "method"), Map.entry("namespace_definition", "namespace")), TYPES,
                    "[(function_call_expression function: (name) @name) (member_call_expression name: (name) @name) (scoped_call_expression name: (name) @name) (object_creation_expression (name) @name)]",
                    "(named_type (name) @name)",
                    "[(namespace_use_clause (qualified_name) @path) (namespace_use_clause (name) @path)]",
                    "[(class_declaration name: (name) @class (base_clause (name) @base)) (class_declaration name: (name) @class (class_interface_clause (name) @base))]");
            case BASH -> new LanguageSpec(l, Map.of("function_definition", "function"), TYPES,
                    "(command name: (command_name (word) @name))", null,
                    "(command name: (command_name (word) @fn) argument: (word) @path)", null);
            case MARKDOWN, RST, TEXT -> new LanguageSpec(l, Map.of(), TYPES, null, null, null, null);
        };
    }
}
