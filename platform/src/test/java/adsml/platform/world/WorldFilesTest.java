package adsml.platform.world;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorldFilesTest {
    private static final WorldConfig CONFIG = new WorldConfig(5, 600, 200, 3_000, 500);
    private static final String[] FILES = {
        WorldFiles.WORLD_JSON,
        WorldFiles.ADVERTISERS,
        WorldFiles.CAMPAIGNS,
        WorldFiles.ADS,
        WorldFiles.USERS,
        WorldFiles.TRAIN,
        WorldFiles.HELDOUT
    };
    private static World world;

    @TempDir
    Path tmp;

    @BeforeAll
    static void generate() {
        world = WorldGenerator.generate(CONFIG, ProgressListener.NONE);
    }

    private Path written() throws IOException {
        Path dir = tmp.resolve("world");
        WorldFiles.write(world, dir);
        return dir;
    }

    @Test
    void write_sameSeedSameBytes() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        WorldFiles.write(world, a);
        WorldFiles.write(WorldGenerator.generate(CONFIG, ProgressListener.NONE), b);
        for (String f : FILES) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        try (var listing = Files.list(a)) {
            assertEquals(FILES.length, listing.count());
        }
    }

    @Test
    void write_differentSeedDifferentBytes() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        WorldFiles.write(world, a);
        WorldFiles.write(WorldGenerator.generate(new WorldConfig(6, 600, 200, 3_000, 500), ProgressListener.NONE), b);
        for (String f : new String[] {WorldFiles.ADS, WorldFiles.USERS, WorldFiles.TRAIN}) {
            assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f))), f);
        }
    }

    @Test
    void read_roundTripEqualsWritten() throws IOException {
        World back = WorldFiles.read(written());
        assertEquals(world.config(), back.config());
        assertEquals(world.advertisers(), back.advertisers());
        assertEquals(world.campaigns(), back.campaigns());
        assertEquals(world.ads(), back.ads());
        assertEquals(world.users(), back.users());
        assertEquals(world.train(), back.train());
        assertEquals(world.heldout(), back.heldout());
    }

    @Test
    void write_refusesNonEmptyFolder() throws IOException {
        Path dir = written();
        FileAlreadyExistsException e =
                assertThrows(FileAlreadyExistsException.class, () -> WorldFiles.write(world, dir));
        assertTrue(e.getMessage().contains("refusing to overwrite"), e.getMessage());
    }

    @Test
    void write_intoEmptyFolderLeavesNoTempBehind() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("empty"));
        WorldFiles.write(world, dir);
        assertTrue(Files.isRegularFile(dir.resolve(WorldFiles.WORLD_JSON)));
        try (var listing = Files.list(tmp)) {
            assertEquals(1, listing.count());
        }
    }

    @Test
    void read_missingWorldJson() throws IOException {
        Path dir = written();
        Files.delete(dir.resolve(WorldFiles.WORLD_JSON));
        assertMessage(dir, "world.json: missing");
    }

    @Test
    void read_missingDataFile() throws IOException {
        Path dir = written();
        Files.delete(dir.resolve(WorldFiles.USERS));
        assertMessage(dir, "users.csv: missing");
    }

    @Test
    void read_truncatedRowCount() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.ADS), lines -> lines.subList(0, lines.size() - 3));
        assertMessage(dir, "ads.csv: truncated: world.json says 600 rows, found 597");
    }

    @Test
    void read_truncatedLastLine() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.TRAIN), lines -> {
            String last = lines.get(lines.size() - 1);
            lines.set(lines.size() - 1, last.substring(0, nthComma(last, 4)));
            return lines;
        });
        assertMessage(dir, "train.csv line 3001: field 'hour': missing");
    }

    @Test
    void read_truncatedEmbedding() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.USERS), lines -> {
            String line = lines.get(4);
            int lastComma = line.lastIndexOf(',');
            String emb = line.substring(lastComma + 1);
            lines.set(4, line.substring(0, lastComma + 1) + emb.substring(0, nthBar(emb, 3)));
            return lines;
        });
        assertMessage(dir, "users.csv line 5: field 'embedding': expected 6 values, got 3");
    }

    @Test
    void read_badClickValue() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.TRAIN), lines -> {
            lines.set(1202, replaceField(lines.get(1202), 6, "7"));
            return lines;
        });
        assertMessage(dir, "train.csv line 1203: field 'click': expected 0 or 1, got '7'");
    }

    @Test
    void read_badFloat() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.HELDOUT), lines -> {
            lines.set(10, replaceField(lines.get(10), 8, "0.0x2"));
            return lines;
        });
        assertMessage(dir, "heldout.csv line 11: field 'p_click': expected a number, got '0.0x2'");
    }

    @Test
    void read_unknownCountry() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.USERS), lines -> {
            lines.set(2, replaceField(lines.get(2), 1, "XX"));
            return lines;
        });
        assertMessage(dir, "users.csv line 3: field 'country': unknown value 'XX'");
    }

    @Test
    void read_impressionAdOutOfRange() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.TRAIN), lines -> {
            lines.set(7, replaceField(lines.get(7), 2, "600"));
            return lines;
        });
        assertMessage(dir, "train.csv line 8: field 'ad_id': expected 0..599, got '600'");
    }

    @Test
    void read_conversionWithoutClick() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.TRAIN), lines -> {
            lines.set(3, replaceField(replaceField(lines.get(3), 6, "0"), 7, "1"));
            return lines;
        });
        assertMessage(dir, "train.csv line 4: field 'conversion': conversion without click");
    }

    @Test
    void read_extraRowsAndExtraFields() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.ADVERTISERS), lines -> {
            lines.add("30,Extra");
            return lines;
        });
        assertMessage(dir, "advertisers.csv line 32: more rows than world.json says (30)");
        Path dir2 = tmp.resolve("w2");
        WorldFiles.write(world, dir2);
        editLines(dir2.resolve(WorldFiles.ADS), lines -> {
            lines.set(1, lines.get(1) + ",x");
            return lines;
        });
        assertMessage(dir2, "ads.csv line 2: expected 5 fields, got more");
    }

    @Test
    void read_badHeaderAndBadJson() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.CAMPAIGNS), lines -> {
            lines.set(0, "id,advertiser");
            return lines;
        });
        assertMessage(dir, "campaigns.csv line 1: header: expected");
        Path dir2 = tmp.resolve("w2");
        WorldFiles.write(world, dir2);
        Path json = dir2.resolve(WorldFiles.WORLD_JSON);
        String written = Files.readString(json);
        Files.writeString(json, written.replace("\"formatVersion\" : 3", "\"formatVersion\" : 4"));
        assertMessage(dir2, "world.json: field 'formatVersion': expected 3, got 4");
        Files.writeString(json, written.replace("\"formatVersion\" : 3", "\"formatVersion\" : 2"));
        assertMessage(dir2, "world.json: field 'formatVersion': 2 is a world of an older ground truth");
        Files.writeString(json, "{ not json");
        assertMessage(dir2, "world.json: not valid JSON");
    }

    @Test
    void read_rowCountInJsonMustMatchConfig() throws IOException {
        Path dir = written();
        Path json = dir.resolve(WorldFiles.WORLD_JSON);
        Files.writeString(json, Files.readString(json).replace("\"rows\" : 600", "\"rows\" : 601"));
        assertMessage(dir, "world.json: field 'files[ads.csv].rows'");
    }

    @Test
    void read_badTargetingName() throws IOException {
        Path dir = written();
        editLines(dir.resolve(WorldFiles.CAMPAIGNS), lines -> {
            lines.set(1, replaceField(lines.get(1), 7, "ios|toaster"));
            return lines;
        });
        assertMessage(dir, "campaigns.csv line 2: field 'devices': unknown value 'toaster'");
    }

    private static void assertMessage(Path dir, String expectedStart) {
        InvalidWorldException e = assertThrows(InvalidWorldException.class, () -> WorldFiles.read(dir));
        assertTrue(e.getMessage().startsWith(expectedStart), "message was: " + e.getMessage());
    }

    private static void editLines(Path file, UnaryOperator<List<String>> edit) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        Files.write(file, edit.apply(lines), StandardCharsets.UTF_8);
    }

    private static int nthComma(String s, int n) {
        int i = -1;
        for (int k = 0; k < n; k++) {
            i = s.indexOf(',', i + 1);
        }
        return i;
    }

    private static int nthBar(String s, int n) {
        int i = -1;
        for (int k = 0; k < n; k++) {
            i = s.indexOf('|', i + 1);
        }
        return i;
    }

    private static String replaceField(String line, int index, String value) {
        String[] parts = line.split(",", -1);
        parts[index] = value;
        return String.join(",", parts);
    }
}
