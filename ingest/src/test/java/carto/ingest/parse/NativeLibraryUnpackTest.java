package carto.ingest.parse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Carto's tree-sitter library inside a jar is copied out once per build, and never confused with another build's. */
class NativeLibraryUnpackTest {
    @TempDir
    Path tmp;

    @Test
    void aLibraryInAJarIsCopiedOnceAndAnotherBuildGetsItsOwnCopy() throws Exception {
        byte[] first = "first build".getBytes(), second = "second build, longer".getBytes();
        Path dir = tmp.resolve("native");
        Path a = TreeSitterNative.unpacked(entry(jar("a.jar", first)), dir);
        assertArrayEquals(first, Files.readAllBytes(a));
        assertEquals(".so", a.getFileName().toString().substring(a.getFileName().toString().lastIndexOf('.')));
        // the same build again: the copy is reused, not written again (the same file), and marked as used
        Object inode = Files.readAttributes(a, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        Files.setLastModifiedTime(a, FileTime.fromMillis(1_000));
        assertEquals(a, TreeSitterNative.unpacked(entry(jar("a2.jar", first)), dir));
        if (inode != null) assertEquals(inode, Files.readAttributes(a, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        assertTrue(Files.getLastModifiedTime(a).toMillis() > System.currentTimeMillis() - 60_000, "marked as used now");
        // another build: another file, the first one untouched
        Path b = TreeSitterNative.unpacked(entry(jar("b.jar", second)), dir);
        assertNotEquals(a, b);
        assertArrayEquals(second, Files.readAllBytes(b));
        assertArrayEquals(first, Files.readAllBytes(a));
        // a truncated copy (an interrupted write by some other process) is replaced
        Files.write(b, "trunc".getBytes());
        assertArrayEquals(second, Files.readAllBytes(TreeSitterNative.unpacked(entry(jar("b2.jar", second)), dir)));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no partial copies are left behind");
        }
    }

    @Test
    void otherBuildsCopiesUnusedForAWeekAreDeleted() throws Exception {
        Path dir = tmp.resolve("native");
        Path old = TreeSitterNative.unpacked(entry(jar("old.jar", "old build".getBytes())), dir);
        Path recent = TreeSitterNative.unpacked(entry(jar("recent.jar", "recent build".getBytes())), dir);
        Path part = Files.writeString(dir.resolve("libcarto-treesitter.so123.part"), "half");
        Path unrelated = Files.writeString(dir.resolve("notes.txt"), "mine");
        FileTime eightDaysAgo = FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofDays(8)));
        for (Path p : new Path[]{old, part, unrelated}) Files.setLastModifiedTime(p, eightDaysAgo);
        Files.setLastModifiedTime(recent, FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofDays(6))));
        Path current = TreeSitterNative.unpacked(entry(jar("current.jar", "current build".getBytes())), dir);
        assertTrue(Files.exists(current));
        assertFalse(Files.exists(old), "unused for 8 days");
        assertFalse(Files.exists(part), "a half-written copy");
        assertTrue(Files.exists(recent), "used 6 days ago");
        assertTrue(Files.exists(unrelated), "not a copy of the library");
        // the copy a process starts with is kept and marked as used, however long it lay unused
        Files.setLastModifiedTime(recent, eightDaysAgo);
        assertEquals(recent, TreeSitterNative.unpacked(entry(jar("recent2.jar", "recent build".getBytes())), dir));
        assertTrue(Files.exists(recent));
        assertTrue(Files.getLastModifiedTime(recent).toInstant().isAfter(java.time.Instant.now().minusSeconds(60)));
        assertTrue(Files.exists(current), "used just now by the process before");
    }

    @Test
    void theCopyGoesOnlyIntoAFolderNobodyElseCanWriteTo() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "not a POSIX file system");
        Path made = tmp.resolve("made");
        TreeSitterNative.unpacked(entry(jar("a.jar", "lib".getBytes())), made);
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(made)));
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> TreeSitterNative.unpacked(entry(jar("b.jar", "lib".getBytes())), shared));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("not a folder only you can write to"), e.getMessage());
        try (var files = Files.list(shared)) {
            assertEquals(0, files.count(), "nothing is written there");
        }
    }

    @Test
    void aLibraryOnTheClasspathAsAFileIsUsedInPlace() throws Exception {
        Path lib = Files.writeString(tmp.resolve("libcarto-treesitter.so"), "x");
        assertEquals(lib, TreeSitterNative.unpacked(lib.toUri().toURL(), tmp.resolve("unused")));
    }

    private Path jar(String name, byte[] library) throws IOException {
        Path jar = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("carto-native/linux-x86_64/libcarto-treesitter.so"));
            j.write(library);
            j.closeEntry();
        }
        return jar;
    }

    private static URL entry(Path jar) throws IOException {
        return java.net.URI.create("jar:" + jar.toUri() + "!/carto-native/linux-x86_64/libcarto-treesitter.so").toURL();
    }
}
