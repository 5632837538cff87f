package adsml.platform.index.ann;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.offline.generator.InventoryGenerator;
import adsml.platform.offline.generator.InventoryGenerator.Query;
import adsml.platform.offline.generator.InventoryGenerator.Space;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IvfFileTest {
    private static final Space SPACE = new Space(24, 8);
    private static final VectorAds ADS = InventoryGenerator.ads(3, 5_000, SPACE);

    @TempDir
    Path dir;

    @Test
    void anIndexReadBack_answersAsTheOneWritten() throws IOException {
        IvfIndex built = IvfIndex.build(ADS, IvfIndex.Settings.forAds(ADS.size), 3);
        Path file = dir.resolve("ads.idx");
        IvfFile.write(built, ADS.fingerprint(), file);
        IvfIndex read = IvfFile.read(file, ADS.fingerprint());
        List<Query> queries = InventoryGenerator.queries(3, 4, 20, SPACE, 0.3);
        for (Query q : queries) {
            int[] a = new int[100], b = new int[100];
            int na = built.search(q.embedding(), q.filter(), c -> false, 100, a);
            int nb = read.search(q.embedding(), q.filter(), c -> false, 100, b);
            assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(b, nb));
        }
        assertTrue(Files.list(dir).noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left");
    }

    @Test
    void otherAds_meanRebuild_andABrokenFile_isNamed() throws IOException {
        IvfIndex built = IvfIndex.build(ADS, IvfIndex.Settings.forAds(ADS.size), 3);
        Path file = dir.resolve("ads.idx");
        IvfFile.write(built, ADS.fingerprint(), file);
        assertNull(IvfFile.read(file, ADS.fingerprint() + 1), "built from other ads");

        byte[] bytes = Files.readAllBytes(file);
        Path truncated = dir.resolve("truncated.idx");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, () -> IvfFile.read(truncated, ADS.fingerprint()));
        assertTrue(e.getMessage().contains("truncated.idx"), e.getMessage());

        // Full length, but one ad held twice: refused, not served twice.
        java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int dim = (int) header.getLong(16), lists = (int) header.getLong(24);
        int posAd = 6 * 8 + 4 * 4 + 8 + dim * dim * 4 + dim * 4 + lists * dim * 4 + (lists + 1) * 4;
        header.putInt(posAd + 4, header.getInt(posAd));
        Path twice = dir.resolve("twice.idx");
        Files.write(twice, bytes);
        e = assertThrows(IOException.class, () -> IvfFile.read(twice, ADS.fingerprint()));
        assertTrue(e.getMessage().contains("twice.idx") && e.getMessage().contains("held twice"), e.getMessage());

        Path garbage = dir.resolve("garbage.idx");
        Files.writeString(garbage, "not an index at all, but long enough to hold a header of forty-eight bytes");
        e = assertThrows(IOException.class, () -> IvfFile.read(garbage, ADS.fingerprint()));
        assertTrue(e.getMessage().contains("garbage.idx"), e.getMessage());
    }

    @Test
    void theFingerprint_changesWithAnyColumn() {
        VectorAds other = InventoryGenerator.ads(3, 5_000, SPACE);
        assertTrue(ADS.fingerprint() == other.fingerprint(), "deterministic");
        other.interests[17] ^= 1;
        assertTrue(ADS.fingerprint() != other.fingerprint());
    }
}
