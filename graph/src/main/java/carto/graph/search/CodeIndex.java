package carto.graph.search;

import carto.graph.GraphException;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.simple.SimpleQueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The full-text side of the knowledge graph: symbols, code chunks and text chunks of every
 * repository in one Lucene index, ranked by BM25, filtered by repository, kind, language and
 * path. It is updated file by file together with the graph.
 */
public final class CodeIndex implements AutoCloseable {
    /** What a document is. */
    public enum Kind {
        SYMBOL, CODE, TEXT;

        /** "symbol", "code" or "text" in any case; null stays null (any kind); anything else names the choices. */
        public static Kind parse(String s) {
            if (s == null) return null;
            try {
                return valueOf(s.strip().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("kind must be symbol, code or text, not '" + s + "'");
            }
        }
    }

    /** One indexed unit. {@code name}/{@code qualifiedName}/{@code symbolKind} are set for symbols. */
    public record Doc(Kind kind, String path, String language, String name, String qualifiedName, String symbolKind,
                      int startLine, int endLine, String content) {}

    /** A search request; null filters match everything. {@code limit} is capped at 200. */
    public record SearchQuery(String repoId, String text, Kind kind, String language, String pathPrefix, int limit) {}

    /** A ranked result. */
    public record Hit(Kind kind, String path, String language, String name, String qualifiedName, String symbolKind,
                      int startLine, int endLine, float score, String snippet) {}

    /**
     * Names and qualified names: words without length norms. Only symbol documents have them, and
     * Lucene writes the postings of a field that few documents of a segment have by reading its
     * sparse norms from the start for every term: with norms that was a third of the index's CPU
     * on Flask, Werkzeug, Jinja2 and Click (commit 335 → 126 ms), on the ingest's busiest stretch.
     * A name is a few words, so its length says little, and an exact name ranks first through its
     * own fields ({@code nameExact}, {@code nameCase}).
     */
    private static final FieldType NAME = frozen(false), NAME_WITH_NORMS = frozen(true);

    private final FSDirectory dir;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    /** The name fields' type: with norms in an index made before they went (Lucene keeps a field's options for good). */
    private final FieldType names;

    private CodeIndex(FSDirectory dir, IndexWriter writer) throws IOException {
        this.dir = dir;
        this.writer = writer;
        this.searchers = new SearcherManager(writer, null);
        IndexSearcher s = searchers.acquire();
        try {
            var name = org.apache.lucene.index.FieldInfos.getMergedFieldInfos(s.getIndexReader()).fieldInfo("name");
            this.names = name != null && !name.omitsNorms() ? NAME_WITH_NORMS : NAME;
        } finally {
            searchers.release(s);
        }
    }

    private static FieldType frozen(boolean norms) {
        FieldType t = new FieldType(TextField.TYPE_STORED);
        t.setOmitNorms(!norms);
        t.freeze();
        return t;
    }

    public static CodeIndex open(Path path) {
        try {
            Files.createDirectories(path);
            FSDirectory dir = FSDirectory.open(path);
            IndexWriterConfig cfg = new IndexWriterConfig(new CodeAnalyzer());
            cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
            cfg.setRAMBufferSizeMB(64);
            return new CodeIndex(dir, new IndexWriter(dir, cfg));
        } catch (org.apache.lucene.store.LockObtainFailedException e) {
            throw new GraphException("the search index " + path + " is locked by another Carto process; stop it or use another --data folder", e);
        } catch (IOException e) {
            throw new GraphException("cannot open the search index in " + path + ": " + e.getMessage(), e);
        }
    }

    /** Replaces the documents of these files (deleted, changed or new) with {@code docs}, and commits. */
    public void replaceFiles(String repoId, Collection<String> paths, Map<String, List<Doc>> docs) {
        try {
            for (String p : paths) writer.deleteDocuments(fileTerm(repoId, p));
            for (var e : docs.entrySet()) {
                for (Doc d : e.getValue()) writer.addDocument(toDocument(repoId, d));
            }
            writer.commit();
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new GraphException("updating the search index failed: " + e.getMessage(), e);
        }
    }

    public void deleteRepository(String repoId) {
        try {
            writer.deleteDocuments(new Term("repoId", repoId));
            writer.commit();
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new GraphException("updating the search index failed: " + e.getMessage(), e);
        }
    }

    private static Term fileTerm(String repoId, String path) {
        return new Term("fileKey", repoId + "\u0000" + path);
    }

    private Document toDocument(String repoId, Doc d) {
        Document doc = new Document();
        doc.add(new StringField("repoId", repoId, Field.Store.NO));
        doc.add(new StringField("fileKey", repoId + "\u0000" + d.path(), Field.Store.NO));
        doc.add(new StringField("kind", d.kind().name(), Field.Store.YES));
        doc.add(new StringField("path", d.path(), Field.Store.YES));
        doc.add(new SortedDocValuesField("path", new BytesRef(d.path())));
        if (d.language() != null) doc.add(new StringField("language", d.language(), Field.Store.YES));
        if (d.name() != null) {
            doc.add(new Field("name", d.name(), names));
            doc.add(new StringField("nameExact", d.name().toLowerCase(Locale.ROOT), Field.Store.NO));
            doc.add(new StringField("nameCase", d.name(), Field.Store.NO));
        }
        if (d.qualifiedName() != null) doc.add(new Field("qualifiedName", d.qualifiedName(), names));
        if (d.symbolKind() != null) doc.add(new StringField("symbolKind", d.symbolKind(), Field.Store.YES));
        doc.add(new StoredField("startLine", d.startLine()));
        doc.add(new NumericDocValuesField("startLine", d.startLine()));
        doc.add(new IntPoint("startLinePoint", d.startLine()));
        doc.add(new StoredField("endLine", d.endLine()));
        if (d.content() != null) doc.add(new TextField("content", d.content(), Field.Store.YES));
        return doc;
    }

    /** BM25-ranked results; ties ordered by path then line, so repeated searches return the same list. */
    public List<Hit> search(SearchQuery q) {
        int limit = Math.max(1, Math.min(200, q.limit()));
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        b.add(new TermQuery(new Term("repoId", q.repoId())), BooleanClause.Occur.FILTER);
        if (q.kind() != null) b.add(new TermQuery(new Term("kind", q.kind().name())), BooleanClause.Occur.FILTER);
        if (q.language() != null) b.add(new TermQuery(new Term("language", q.language())), BooleanClause.Occur.FILTER);
        if (q.pathPrefix() != null && !q.pathPrefix().isEmpty()) b.add(new PrefixQuery(new Term("path", q.pathPrefix())), BooleanClause.Occur.FILTER);
        String text = q.text() == null ? "" : q.text().strip();
        List<String> terms = new ArrayList<>();
        if (text.isEmpty()) {
            b.add(new MatchAllDocsQuery(), BooleanClause.Occur.MUST);
        } else {
            SimpleQueryParser parser = new SimpleQueryParser(writer.getAnalyzer(), Map.of("name", 4f, "qualifiedName", 2f, "content", 1f));
            parser.setDefaultOperator(BooleanClause.Occur.SHOULD);
            Query parsed = parser.parse(text);
            if (parsed == null) return List.of();
            b.add(parsed, BooleanClause.Occur.MUST);
            // an exact symbol name ranks first, the same spelling before other capitalizations
            b.add(new org.apache.lucene.search.BoostQuery(new TermQuery(new Term("nameExact", text.toLowerCase(Locale.ROOT))), 10f), BooleanClause.Occur.SHOULD);
            b.add(new org.apache.lucene.search.BoostQuery(new TermQuery(new Term("nameCase", text)), 5f), BooleanClause.Occur.SHOULD);
            for (String t : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_]+")) if (!t.isEmpty()) terms.add(t);
        }
        try {
            IndexSearcher s = searchers.acquire();
            try {
                Sort sort = new Sort(SortField.FIELD_SCORE, new SortField("path", SortField.Type.STRING), new SortField("startLine", SortField.Type.INT));
                TopFieldDocs top = s.search(b.build(), limit, sort, true);
                StoredFields stored = s.storedFields();
                List<Hit> hits = new ArrayList<>();
                for (ScoreDoc sd : top.scoreDocs) {
                    Document d = stored.document(sd.doc);
                    String content = d.get("content");
                    hits.add(new Hit(Kind.valueOf(d.get("kind")), d.get("path"), d.get("language"), d.get("name"), d.get("qualifiedName"),
                            d.get("symbolKind"), d.getField("startLine").numericValue().intValue(), d.getField("endLine").numericValue().intValue(),
                            sd.score, snippet(content, terms, d.getField("startLine").numericValue().intValue())));
                }
                return hits;
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new GraphException("searching the index failed: " + e.getMessage(), e);
        }
    }

    /** The first lines of the content that contain a query term (up to 3), prefixed by their line numbers. */
    static String snippet(String content, List<String> terms, int firstLine) {
        if (content == null) return null;
        String[] lines = content.split("\n", -1);
        int best = -1;
        for (int i = 0; i < lines.length && best < 0; i++) {
            String l = lines[i].toLowerCase(Locale.ROOT);
            for (String t : terms) {
                if (l.contains(t)) {
                    best = i;
                    break;
                }
            }
        }
        if (best < 0) best = 0;
        StringBuilder sb = new StringBuilder();
        for (int i = best; i < Math.min(lines.length, best + 3); i++) {
            String l = lines[i].length() > 200 ? lines[i].substring(0, 200) + "..." : lines[i];
            sb.append(firstLine + i).append(": ").append(l).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    /** Number of documents of a repository (all kinds). */
    public long count(String repoId) {
        try {
            IndexSearcher s = searchers.acquire();
            try {
                return s.count(new TermQuery(new Term("repoId", repoId)));
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new GraphException("reading the index failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            searchers.close();
            writer.close();
            dir.close();
        } catch (IOException e) {
            throw new GraphException("closing the search index failed: " + e.getMessage(), e);
        }
    }
}
