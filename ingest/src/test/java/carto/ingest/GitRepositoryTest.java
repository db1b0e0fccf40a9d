package carto.ingest;

import carto.graph.RepositoryInfo;
import carto.graph.TestGraph;
import carto.graph.search.CodeIndex;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.URIish;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The Repository node records the folder, its origin URL and the commit ingested; .git itself is never ingested. */
class GitRepositoryTest {
    @TempDir
    Path tmp;

    @Test
    void commitAndRemoteAreRecorded() throws Exception {
        Path repo = FixtureRepo.copy(tmp.resolve("repo"));
        String head;
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            RevCommit c = git.commit().setMessage("fixture").setAuthor("Carto", "carto@example.com").setCommitter("Carto", "carto@example.com")
                    .setSign(false).call();
            head = c.getName();
            git.remoteAdd().setName("origin").setUri(new URIish("https://example.com/acme/fixture.git")).call();
        }
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            IngestSummary s = new Ingestor(TestGraph.graph(), index).ingest(repo, IngestOptions.defaults().withRepoId("git-fixture"), IngestListener.NONE);
            assertEquals(head, s.commit());
            RepositoryInfo r = TestGraph.graph().repository("git-fixture").orElseThrow();
            assertEquals(head, r.commit());
            assertEquals("https://example.com/acme/fixture.git", r.remoteUrl());
            assertEquals(repo.toAbsolutePath().normalize().toString(), r.path());
            assertFalse(TestGraph.graph().fileHashes("git-fixture").keySet().stream().anyMatch(p -> p.startsWith(".git/")));
            assertFalse(Files.notExists(repo.resolve(".git")));
        }
    }
}
