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
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
        // the same build again: the copy is reused, not written again
        Files.setLastModifiedTime(a, FileTime.fromMillis(1_000));
        assertEquals(a, TreeSitterNative.unpacked(entry(jar("a2.jar", first)), dir));
        assertEquals(1_000, Files.getLastModifiedTime(a).toMillis());
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
