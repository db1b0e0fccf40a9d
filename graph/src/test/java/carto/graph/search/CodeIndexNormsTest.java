package carto.graph.search;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Symbol names are indexed without length norms; an index made while they had norms keeps them,
 * because Lucene refuses to change a field's options, and is written to and searched as before.
 */
class CodeIndexNormsTest {
    @TempDir
    Path tmp;

    private static CodeIndex.Doc symbol(String path, String name, int line) {
        return new CodeIndex.Doc(CodeIndex.Kind.SYMBOL, path, "python", name, "pkg." + name, "function", line, line + 2, "def " + name + "():");
    }

    @Test
    void aNewIndexHasNoNormsOnNamesAndRanksAnExactNameFirst() throws Exception {
        Path dir = tmp.resolve("index");
        try (CodeIndex index = CodeIndex.open(dir)) {
            index.replaceFiles("r", List.of("a.py"), Map.of("a.py", List.of(symbol("a.py", "parse_config_file", 1), symbol("a.py", "parse", 10),
                    new CodeIndex.Doc(CodeIndex.Kind.CODE, "a.py", "python", null, null, null, 1, 40, "def parse(): pass"))));
            List<CodeIndex.Hit> hits = index.search(new CodeIndex.SearchQuery("r", "parse", CodeIndex.Kind.SYMBOL, null, null, 10));
            assertEquals(List.of("parse", "parse_config_file"), hits.stream().map(CodeIndex.Hit::name).toList());
        }
        assertEquals(List.of(true, true), omitsNorms(dir, "name", "qualifiedName"));
    }

    @Test
    void anIndexMadeWithNormsOnNamesKeepsThemAndTakesNewFiles() throws Exception {
        Path dir = tmp.resolve("old");
        try (FSDirectory d = FSDirectory.open(dir); IndexWriter w = new IndexWriter(d, new IndexWriterConfig(new CodeAnalyzer()))) {
            // a document as the index wrote it before: names with norms
            Document doc = new Document();
            doc.add(new StringField("repoId", "r", Field.Store.NO));
            doc.add(new StringField("fileKey", "r\u0000old.py", Field.Store.NO));
            doc.add(new StringField("kind", "SYMBOL", Field.Store.YES));
            doc.add(new StringField("path", "old.py", Field.Store.YES));
            doc.add(new org.apache.lucene.document.SortedDocValuesField("path", new org.apache.lucene.util.BytesRef("old.py")));
            doc.add(new TextField("name", "load_settings", Field.Store.YES));
            doc.add(new TextField("qualifiedName", "pkg.load_settings", Field.Store.YES));
            doc.add(new org.apache.lucene.document.StoredField("startLine", 3));
            doc.add(new org.apache.lucene.document.NumericDocValuesField("startLine", 3));
            doc.add(new org.apache.lucene.document.IntPoint("startLinePoint", 3));
            doc.add(new org.apache.lucene.document.StoredField("endLine", 5));
            doc.add(new TextField("content", "def load_settings():", Field.Store.YES));
            w.addDocument(doc);
            w.commit();
        }
        try (CodeIndex index = CodeIndex.open(dir)) {
            index.replaceFiles("r", List.of("new.py"), Map.of("new.py", List.of(symbol("new.py", "load_plugins", 1))));
            List<CodeIndex.Hit> hits = index.search(new CodeIndex.SearchQuery("r", "load", CodeIndex.Kind.SYMBOL, null, null, 10));
            assertEquals(List.of("load_plugins", "load_settings"), hits.stream().map(CodeIndex.Hit::name).sorted().toList());
        }
        assertEquals(List.of(false, false), omitsNorms(dir, "name", "qualifiedName"));
    }

    private static List<Boolean> omitsNorms(Path dir, String... fields) throws Exception {
        try (FSDirectory d = FSDirectory.open(dir); DirectoryReader r = DirectoryReader.open(d)) {
            FieldInfos infos = FieldInfos.getMergedFieldInfos(r);
            assertTrue(r.numDocs() > 0);
            return java.util.Arrays.stream(fields).map(f -> infos.fieldInfo(f).omitsNorms()).toList();
        }
    }
}
