package carto.ingest.semantic;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.NodeList;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.EnumConstantDeclaration;
import com.github.javaparser.ast.body.EnumDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.RecordDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.TypePatternExpr;
import com.github.javaparser.ast.expr.VariableDeclarationExpr;
import com.github.javaparser.ast.nodeTypes.NodeWithTypeParameters;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForEachStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.SwitchEntry;
import com.github.javaparser.ast.stmt.TryStmt;
import com.github.javaparser.ast.type.ArrayType;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.ast.type.PrimitiveType;
import com.github.javaparser.ast.type.Type;
import com.github.javaparser.ast.type.TypeParameter;
import com.github.javaparser.ast.type.UnknownType;

import java.util.Optional;
import java.util.Set;

/**
 * Decides, from the syntax alone, that a method call cannot resolve into the repository: its
 * receiver is a variable (local, parameter or field of the enclosing class) declared with a type
 * the repository does not declare, such as {@code List} or a dependency's {@code JsonGenerator}.
 * A method found through such a type is declared in it or in its supertypes, all outside the
 * repository, so the call yields no edge and the symbol solver (slow, and failing outright on
 * types it has no sources for) need not be asked.
 *
 * <p>The answer is "don't know" whenever the declaration is not plain: {@code var}, an untyped
 * lambda parameter, a name that may be an inherited field or a pattern variable, a type variable,
 * or any type whose simple name the repository declares. The solver decides those.
 */
final class LibraryReceivers {
    private final Set<String> repoTypeNames;

    /** {@code repoTypeNames}: simple names of every type (top-level and nested) the repository's Java files declare. */
    LibraryReceivers(Set<String> repoTypeNames) {
        this.repoTypeNames = repoTypeNames;
    }

    /** True when {@code call} is made on a variable whose declared type cannot be a repository type. */
    boolean outsideRepository(MethodCallExpr call) {
        if (call.getScope().isEmpty() || !(call.getScope().get() instanceof NameExpr receiver)) return false;
        Optional<Type> type = declaredType(receiver);
        return type.isPresent() && isLibraryType(type.get(), receiver);
    }

    private boolean isLibraryType(Type type, Node at) {
        if (type instanceof PrimitiveType || type instanceof ArrayType) return true; // no methods but Object's
        if (!(type instanceof ClassOrInterfaceType t)) return false; // var, union, intersection, ...
        String name = t.getNameAsString();
        if (repoTypeNames.contains(name)) return false;
        return t.getScope().isPresent() || !isTypeVariable(name, at);
    }

    /** A type parameter of an enclosing class, interface, record or method with this name: its bound may be a repository type. */
    private static boolean isTypeVariable(String name, Node at) {
        for (Node n = at; n != null; n = n.getParentNode().orElse(null)) {
            if (n instanceof NodeWithTypeParameters<?> generic) {
                for (TypeParameter p : generic.getTypeParameters()) if (p.getNameAsString().equals(name)) return true;
            }
        }
        return false;
    }

    /**
     * The type of the declaration a simple name binds to, found by walking outwards through the
     * scopes around it; empty when the binding or its type is not certain from this file.
     */
    static Optional<Type> declaredType(NameExpr ref) {
        String name = ref.getNameAsString();
        Node child = ref;
        for (Node n = ref.getParentNode().orElse(null); n != null; child = n, n = n.getParentNode().orElse(null)) {
            Optional<Optional<Type>> found = declaredIn(n, child, name);
            if (found.isPresent()) return found.get();
            if (n instanceof TypeDeclaration<?> || n instanceof ObjectCreationExpr || n instanceof EnumConstantDeclaration) {
                Optional<Optional<Type>> field = fieldOf(n, name);
                if (field.isPresent()) {
                    // a pattern variable, or a local the walk does not know, of the same name would hide the field
                    return declaredAnywhereBelow(memberOf(ref, n), name) ? Optional.empty() : field.get();
                }
                // a supertype may declare a field of that name, which this class inherits
                if (mayInheritFields(n)) return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a simple name certainly means a local variable or parameter: one declared in a scope
     * around it inside the innermost class body, which hides any field of that name (JLS 6.4.1),
     * so the name refers to no field. False when that is not certain from the syntax (a class
     * body, or a place a declaration's scope may not reach, lies in between): the solver decides.
     */
    static boolean local(NameExpr ref) {
        String name = ref.getNameAsString();
        Node child = ref;
        for (Node n = ref.getParentNode().orElse(null); n != null; child = n, n = n.getParentNode().orElse(null)) {
            if (n instanceof TypeDeclaration<?> || n instanceof ObjectCreationExpr || n instanceof EnumConstantDeclaration) return false;
            // parameters are in scope in the body only (not in annotations or a switch label)
            if (n instanceof CallableDeclaration<?> c && bodyOf(c).orElse(null) != child) return false;
            if (n instanceof LambdaExpr l && l.getBody() != child) return false;
            if (n instanceof CatchClause c && c.getBody() != child) return false;
            if (n instanceof SwitchEntry e && !e.getStatements().contains(child)) return false;
            if (declaredIn(n, child, name).isPresent()) return true;
        }
        return false;
    }

    private static Optional<BlockStmt> bodyOf(CallableDeclaration<?> c) {
        if (c instanceof com.github.javaparser.ast.body.MethodDeclaration m) return m.getBody();
        if (c instanceof com.github.javaparser.ast.body.ConstructorDeclaration k) return Optional.of(k.getBody());
        return Optional.empty();
    }

    /**
     * A local declaration of {@code name} that {@code scope} makes visible to its {@code child}:
     * {@code Optional.of(type)} when found (an empty type: found, but not written out), empty
     * when {@code scope} declares no such name there.
     */
    private static Optional<Optional<Type>> declaredIn(Node scope, Node child, String name) {
        if (scope instanceof BlockStmt block) return declaredBefore(block.getStatements(), child, name);
        if (scope instanceof SwitchEntry entry) return declaredBefore(entry.getStatements(), child, name);
        if (scope instanceof ForStmt loop) {
            for (var init : loop.getInitialization()) {
                if (init instanceof VariableDeclarationExpr v) {
                    Optional<Optional<Type>> t = variable(v, name);
                    if (t.isPresent()) return t;
                }
            }
        } else if (scope instanceof ForEachStmt each) {
            // the loop variable is visible in the body only, not in the expression iterated over
            if (child == each.getBody()) return variable(each.getVariable(), name);
        } else if (scope instanceof TryStmt tryStmt) {
            // resources are visible in later resources and the try block, not in catch or finally
            if (child != tryStmt.getTryBlock() && !tryStmt.getResources().contains(child)) return Optional.empty();
            for (var resource : tryStmt.getResources()) {
                if (resource == child) break;
                if (resource instanceof VariableDeclarationExpr v) {
                    Optional<Optional<Type>> t = variable(v, name);
                    if (t.isPresent()) return t;
                }
            }
        } else if (scope instanceof CatchClause c) {
            return parameter(c.getParameter(), name);
        } else if (scope instanceof LambdaExpr lambda) {
            for (Parameter p : lambda.getParameters()) {
                Optional<Optional<Type>> t = parameter(p, name);
                if (t.isPresent()) return t;
            }
        } else if (scope instanceof CallableDeclaration<?> callable) {
            for (Parameter p : callable.getParameters()) {
                Optional<Optional<Type>> t = parameter(p, name);
                if (t.isPresent()) return t;
            }
        }
        return Optional.empty();
    }

    private static Optional<Optional<Type>> declaredBefore(NodeList<Statement> statements, Node child, String name) {
        for (Statement s : statements) {
            if (s == child) break;
            if (s instanceof ExpressionStmt e && e.getExpression() instanceof VariableDeclarationExpr v) {
                Optional<Optional<Type>> t = variable(v, name);
                if (t.isPresent()) return t;
            }
        }
        return Optional.empty();
    }

    private static Optional<Optional<Type>> variable(VariableDeclarationExpr v, String name) {
        for (VariableDeclarator d : v.getVariables()) {
            if (d.getNameAsString().equals(name)) return Optional.of(Optional.of(d.getType()));
        }
        return Optional.empty();
    }

    private static Optional<Optional<Type>> parameter(Parameter p, String name) {
        if (!p.getNameAsString().equals(name)) return Optional.empty();
        Type t = p.getType();
        if (t instanceof UnknownType) return Optional.of(Optional.empty()); // an untyped lambda parameter
        // a varargs parameter is an array
        return Optional.of(Optional.of(p.isVarArgs() ? new ArrayType(t) : t));
    }

    /** A field {@code name} the class body of {@code type} declares itself. */
    private static Optional<Optional<Type>> fieldOf(Node type, String name) {
        NodeList<BodyDeclaration<?>> members = type instanceof TypeDeclaration<?> t ? t.getMembers()
                : type instanceof ObjectCreationExpr o ? o.getAnonymousClassBody().orElse(new NodeList<>())
                : ((EnumConstantDeclaration) type).getClassBody();
        for (BodyDeclaration<?> m : members) {
            if (m instanceof FieldDeclaration f) {
                for (VariableDeclarator d : f.getVariables()) {
                    if (d.getNameAsString().equals(name)) return Optional.of(Optional.of(d.getType()));
                }
            }
        }
        if (type instanceof EnumDeclaration e) {
            for (EnumConstantDeclaration c : e.getEntries()) {
                if (c.getNameAsString().equals(name)) return Optional.of(Optional.empty()); // an enum constant: a repository type
            }
        }
        if (type instanceof RecordDeclaration r) {
            for (Parameter p : r.getParameters()) {
                if (p.getNameAsString().equals(name)) return Optional.of(Optional.of(p.getType()));
            }
        }
        return Optional.empty();
    }

    /** Whether a class may inherit fields: it names a superclass or interfaces, or is anonymous or an enum constant's body. */
    private static boolean mayInheritFields(Node type) {
        if (type instanceof ClassOrInterfaceDeclaration c) return c.getExtendedTypes().isNonEmpty() || c.getImplementedTypes().isNonEmpty();
        if (type instanceof EnumDeclaration e) return e.getImplementedTypes().isNonEmpty();
        if (type instanceof RecordDeclaration r) return r.getImplementedTypes().isNonEmpty();
        return true; // anonymous classes, enum constant bodies, annotation types
    }

    /** The member of {@code type}'s body that holds {@code ref}. */
    private static Node memberOf(Node ref, Node type) {
        Node n = ref;
        while (n.getParentNode().isPresent() && n.getParentNode().get() != type) n = n.getParentNode().get();
        return n;
    }

    private static boolean declaredAnywhereBelow(Node member, String name) {
        return member.findFirst(Node.class, n -> n instanceof VariableDeclarator v && !(v.getParentNode().orElse(null) instanceof FieldDeclaration) && v.getNameAsString().equals(name)
                || n instanceof Parameter p && p.getNameAsString().equals(name)
                || n instanceof TypePatternExpr t && t.getNameAsString().equals(name)).isPresent();
    }
}
