package carto.ingest;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the form of a call tells name resolution in Python and Go: a method is called on a receiver
 * and a function of the caller's own module without one; a receiver that an import binds to a
 * module of the repository means that module's definition, one bound to a library module (or a
 * literal) means none of the repository's; a function nested in another is named only inside it;
 * and an absolute Python import means a top-level package, not a subpackage of the same name.
 */
class HeuristicCallFormsTest {
    @TempDir
    Path tmp;

    private Neo4jCodeGraph ingest(String repoId, Map<String, String> files) throws IOException {
        return JavaPackage.ingestFiles(tmp, repoId, files);
    }

    /** The repository's edges of one type, as "from -> to line N" (definitions by qualified name, files by path), sorted. */
    private static List<String> edges(Neo4jCodeGraph g, String repoId, String type) {
        return g.read("edges", tx -> tx.run("""
                MATCH (a {repoId: $r})-[e]->(b {repoId: $r}) WHERE type(e) = $type
                RETURN coalesce(a.qualifiedName, a.relativePath) + ' -> ' + coalesce(b.qualifiedName, b.relativePath) + ' line ' + e.line AS e ORDER BY e""",
                Map.of("r", repoId, "type", type)).list(rec -> rec.get("e").asString()));
    }

    @Test
    void pythonCallsResolveByTheirForm() throws Exception {
        Neo4jCodeGraph g = ingest("py-forms", Map.of(
                "app/__init__.py", "from .helpers import helper as helper\n",
                "app/helpers.py", """
                        import json
                        import os.path
                        from . import views
                        from . import models as m
                        from .models import Model


                        def helper():
                            return 1


                        def url_for(app):
                            return app.url_for("index")


                        def render():
                            data = json.dumps({})
                            path = os.path.join("a", "b")
                            joined = ", ".join(["a", "b"])
                            views.show()
                            m.build()
                            Model.create()

                            def local():
                                return 2

                            return local()
                        """,
                "app/views.py", """
                        def show():
                            return local()


                        def local():
                            return 3
                        """,
                "app/models.py", """
                        class Model:
                            def url_for(self, name):
                                return name

                            def join(self, other):
                                return other

                            def dumps(self):
                                return ""

                            def show(self):
                                return self.join(None)

                            @classmethod
                            def create(cls):
                                return cls()


                        def build():
                            return Model()
                        """,
                "app/json/__init__.py", "def dumps(value):\n    return str(value)\n",
                "main.py", """
                        import app
                        from app import helpers


                        def run():
                            helpers.helper()
                            return app.helper() + helper()


                        def helper():
                            return 0
                        """));
        // json.dumps, os.path.join and ", ".join call no method of Model (nor app/json); url_for calls the method,
        // not itself; views.show is the module's function, not Model.show; app.helper is what the package re-exports
        assertEquals(List.of(
                "app.helpers.render -> app.helpers.render.local line 27",
                "app.helpers.render -> app.models.Model.create line 22",
                "app.helpers.render -> app.models.build line 21",
                "app.helpers.render -> app.views.show line 20",
                "app.helpers.url_for -> app.models.Model.url_for line 13",
                "app.models.Model.show -> app.models.Model.join line 12",
                "app.models.build -> app.models.Model line 20",
                "app.views.show -> app.views.local line 2",
                "main.run -> app.helpers.helper line 6",
                "main.run -> main.helper line 7"), edges(g, "py-forms", "CALLS"));
        // `import json` is the standard library's json, not the subpackage app/json; `from . import views` imports views.py
        assertEquals(List.of(
                "app/__init__.py -> app/helpers.py line 1",
                "app/helpers.py -> app/__init__.py line 3",
                "app/helpers.py -> app/models.py line 4",
                "app/helpers.py -> app/views.py line 3",
                "main.py -> app/__init__.py line 1",
                "main.py -> app/helpers.py line 2"), edges(g, "py-forms", "IMPORTS"));
    }

    @Test
    void aJavaScriptFunctionNestedInAnotherIsNamedInsideItAlone() throws Exception {
        Neo4jCodeGraph g = ingest("js-nested", Map.of(
                "lib.js", """
                        function outer() {
                          function helper() {
                            return 1;
                          }
                          return helper();
                        }

                        function make() {
                          return { helper() { return 2; } };
                        }

                        module.exports = { outer, make };
                        """,
                "use.js", """
                        const { outer, make } = require('./lib');

                        function caller() {
                          helper();
                          return make().helper() + outer();
                        }
                        """));
        // a plain helper() outside outer is none of outer's (a global, perhaps), nor the method of make's object,
        // which only a call on that object reaches (and make().helper() names no object the resolver knows)
        assertEquals(List.of(
                "caller -> make line 5",
                "caller -> outer line 5",
                "outer -> outer.helper line 5"), edges(g, "js-nested", "CALLS").stream().filter(e -> !e.startsWith("make")).toList());
    }

    @Test
    void goCallsResolveThroughPackageNames() throws Exception {
        Neo4jCodeGraph g = ingest("go-forms", Map.of(
                "go.mod", "module example.com/demo\n\ngo 1.21\n",
                "util/util.go", """
                        package util

                        import "errors"

                        type T struct{}

                        func New() *T {
                        	return &T{}
                        }

                        func (t *T) Run() error {
                        	return errors.New("stopped")
                        }

                        func (t *T) String() string {
                        	return "T"
                        }
                        """,
                "main.go", """
                        package main

                        import (
                        	"fmt"

                        	u "example.com/demo/util"
                        )

                        func New() int {
                        	return 1
                        }

                        func main() {
                        	t := u.New()
                        	t.Run()
                        	fmt.Println(New(), string(rune(65)))
                        }
                        """,
                "main_test.go", """
                        package main_test

                        import (
                        	"testing"

                        	"example.com/demo/util"
                        )

                        func TestRun(t *testing.T) {
                        	util.New().Run()
                        }
                        """));
        // errors.New and fmt.Println are the standard library's; string(...) is a conversion, no call of T.String;
        // New() is main's own, u.New() util's (through the alias), and the external test package calls util's too
        assertEquals(List.of(
                "main.main -> main.New line 16",
                "main.main -> util.New line 14",
                "main.main -> util.T.Run line 15",
                "main_test.TestRun -> util.New line 10",
                "main_test.TestRun -> util.T.Run line 10"), edges(g, "go-forms", "CALLS"));
        // testing.T is the standard library's T
        assertEquals(List.of(
                "util.New -> util.T line 7",
                "util.T.Run -> util.T line 11",
                "util.T.String -> util.T line 15"), edges(g, "go-forms", "REFERENCES"));
    }

    @Test
    void goCallsOnVariablesResolveByTheTypeTheyAreDeclaredWith() throws Exception {
        Neo4jCodeGraph g = ingest("go-typed", Map.of(
                "go.mod", "module example.com/shop\n\ngo 1.21\n",
                "shop/shop.go", """
                        package shop

                        import (
                        	"bytes"
                        	"net/http"
                        )

                        type Cart struct{ items []string }

                        func (c *Cart) Add(item string) { c.items = append(c.items, item) }

                        func (c *Cart) Remove(item string) {}

                        func (c *Cart) Context() string {
                        	var b bytes.Buffer
                        	b.WriteString("cart")
                        	return b.String()
                        }

                        type Order struct{}

                        func (o Order) Add(item string) {}

                        func (o Order) Cancel() {}

                        func (o Order) String() string { return "order" }

                        type failure struct{}

                        func (f failure) Error() string { return "failed" }

                        func Fill(c *Cart, err error, r *http.Request) {
                        	c.Add("apple")
                        	_ = err.Error()
                        	_ = r.Context()
                        	cancel := func(c Order) { c.Cancel() }
                        	cancel(Order{})
                        	next := &Cart{}
                        	next.Remove("lime")
                        }
                        """,
                "main.go", """
                        package main

                        import (
                        	"flag"

                        	"example.com/shop/shop"
                        )

                        func main() {
                        	flag.Parse()
                        	var o shop.Order
                        	o.String()
                        	c := &shop.Cart{}
                        	c.Remove("x")
                        	{
                        		flag := shop.Order{}
                        		flag.Cancel()
                        	}
                        }
                        """));
        // Cart and Order both have Add, Cart.Context and Order.String are the repository's only ones, failure.Error its
        // only Error: the declared types decide. err is an error, r a net/http Request, b a bytes.Buffer: none of the
        // repository's methods. c in the closure is its own parameter, an Order; flag in the block a variable, no package.
        assertEquals(List.of(
                "main.main -> shop.Cart.Remove line 14",
                "main.main -> shop.Order.Cancel line 17",
                "main.main -> shop.Order.String line 12",
                "shop.Fill -> shop.Cart.Add line 33",
                "shop.Fill -> shop.Cart.Remove line 39",
                "shop.Fill -> shop.Order.Cancel line 36"), edges(g, "go-typed", "CALLS"));
    }

    @Test
    void pythonCallsOnVariablesResolveByTheClassTheyAreBoundTo() throws Exception {
        Neo4jCodeGraph g = ingest("py-typed", Map.of(
                "shop/__init__.py", "",
                "shop/cart.py", """
                        class Cart:
                            def add(self, item):
                                return item

                            def encode(self):
                                return b""


                        class Order:
                            def add(self, item):
                                return item

                            def close(self):
                                return None
                        """,
                "shop/use.py", """
                        import typing as t
                        from zipfile import ZipFile

                        from .cart import Cart, Order


                        def make():
                            return Order()


                        def fill(name: str, order: Order, extra: t.Any):
                            cart = Cart()
                            cart.add("apple")
                            order.add("pear")
                            name.encode("utf-8")
                            extra.close()
                            archive = ZipFile("x.zip")
                            archive.close()
                            other = make()
                            other.close()

                            def inner():
                                return cart.encode()

                            return inner()
                        """));
        // Cart and Order both have add: the bound class decides (a constructor call, an annotation, and in inner() the
        // enclosing function's cart). name is a str, extra a typing.Any and archive a zipfile.ZipFile: none of the
        // repository's encode or close (an edge from line 16 or 18 would show). other comes from a function, so its close is
        // found by name (Order's, the only one).
        assertEquals(List.of(
                "shop.use.fill -> shop.cart.Cart line 12",
                "shop.use.fill -> shop.cart.Cart.add line 13",
                "shop.use.fill -> shop.cart.Order.add line 14",
                "shop.use.fill -> shop.cart.Order.close line 20",
                "shop.use.fill -> shop.use.fill.inner line 25",
                "shop.use.fill -> shop.use.make line 19",
                "shop.use.fill.inner -> shop.cart.Cart.encode line 23",
                "shop.use.make -> shop.cart.Order line 8"), edges(g, "py-typed", "CALLS"));
    }

    @Test
    void pythonCallsOnAttributesOfSelfResolveByTheClassTheAttributeHolds() throws Exception {
        Neo4jCodeGraph g = ingest("py-attrs", Map.of(
                "shop/__init__.py", "",
                "shop/cart.py", """
                        class Cart:
                            def add(self, item):
                                return item

                            def close(self):
                                return None


                        class Order:
                            def add(self, item):
                                return item
                        """,
                "shop/till.py", """
                        from contextlib import ExitStack

                        from .cart import Cart, Order


                        class Till:
                            order: Order

                            def __init__(self):
                                self.cart = Cart()
                                self.stack = ExitStack()

                            def ring(self):
                                self.cart.add("apple")
                                self.order.add("pear")
                                self.stack.close()
                        """));
        // self.cart is a Cart (assigned in __init__), self.order an Order (annotated in the class body), self.stack a
        // contextlib ExitStack: none of the repository's methods (Cart.close would show)
        assertEquals(List.of(
                "shop.till.Till.__init__ -> shop.cart.Cart line 10",
                "shop.till.Till.ring -> shop.cart.Cart.add line 14",
                "shop.till.Till.ring -> shop.cart.Order.add line 15"), edges(g, "py-attrs", "CALLS"));
    }

    @Test
    void javaScriptAndTypeScriptCallsOnVariablesResolveByTheClassTheyAreBoundTo() throws Exception {
        Neo4jCodeGraph g = ingest("ts-typed", Map.of(
                "src/cart.ts", """
                        export class Cart {
                          add(item: string): void {}
                          clear(): void {}
                        }

                        export class Order {
                          add(item: string): void {}
                          cancel(): void {}
                        }
                        """,
                "src/use.ts", """
                        import { Cart, Order } from "./cart";

                        export function fill(order: Order) {
                          const cart = new Cart();
                          cart.add("apple");
                          order.add("pear");
                          const seen = new Map();
                          seen.clear();
                          const later = make();
                          later.cancel();
                        }

                        function make(): Order {
                          return new Order();
                        }
                        """,
                "src/legacy.js", """
                        import { Order } from "./cart";

                        export function run() {
                          const o = new Order();
                          o.add("x");
                        }
                        """));
        // Cart and Order both have add: new and the annotation decide. seen is a Map, whose clear is none of the
        // repository's (Cart's would show from line 8). later comes from a function: its cancel is found by name.
        assertEquals(List.of(
                "fill -> Cart line 4",
                "fill -> Cart.add line 5",
                "fill -> Order.add line 6",
                "fill -> Order.cancel line 10",
                "fill -> make line 9",
                "make -> Order line 14",
                "run -> Order line 4",
                "run -> Order.add line 5"), edges(g, "ts-typed", "CALLS"));
    }
}
