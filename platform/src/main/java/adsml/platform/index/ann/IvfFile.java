package adsml.platform.index.ann;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * An {@link IvfIndex}'s lists on disk, so that start-up reads them instead of running k-means again: a header (magic,
 * format, dimension, lists, ads, the fingerprint of the ads it was built from), then the centroids, list starts and
 * per-position columns and the embeddings' 8-bit codes, little-endian. The bitmaps are not stored: rebuilding them is
 * one pass over the positions. Written to a temporary file and moved into place, so a crash never leaves half a file
 * under the name. Only the lists are written: fold the delta first when it should survive a restart.
 */
public final class IvfFile {
    private static final long MAGIC = 0x6164736d6c495646L; // "adsmlIVF"
    private static final int FORMAT = 4;
    private static final int CHUNK = 1 << 20;
    private static final long MAX_DIM = 4096;

    private IvfFile() {}

    /**
     * Folds the index's delta into its lists and writes them with the fingerprint of the ads they now hold. Pauses are
     * not written: they belong to the ads' source (the world, the ad API), not to the index.
     */
    public static void write(IvfIndex index, long fingerprint, Path file) throws IOException {
        index.fold();
        IvfIndex.Base b = index.base();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            Writer w = new Writer(ch);
            w.longs(new long[] {MAGIC, FORMAT, b.dim, b.lists, b.size(), fingerprint});
            IvfIndex.Settings s = index.settings();
            w.ints(new int[] {s.lists(), s.minLists(), s.maxCandidatesPerResult(), s.deltaLimit()});
            w.longs(new long[] {Double.doubleToLongBits(s.tolerance())});
            w.floats(b.rotation);
            w.floats(b.scales);
            w.floats(b.centroids);
            w.ints(b.start);
            w.ints(b.posAd);
            w.ints(b.posCampaign);
            w.ints(b.posCategory);
            w.ints(b.posWord);
            w.longs(b.posInterests);
            w.floats(b.posFactor);
            for (byte[] codes : b.listCodes) {
                w.bytes(codes);
            }
            w.flush();
            ch.force(true); // on disk before the name points at it
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The index in {@code file} if it was built from ads with {@code fingerprint}; null when it was not (the ads
     * changed: rebuild).
     *
     * @throws IOException when the file cannot be read or is not an index file (the message names it)
     */
    public static IvfIndex read(Path file, long fingerprint) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Reader r = new Reader(ch, file);
            long[] header = r.longs(6);
            if (header[0] != MAGIC || header[1] != FORMAT) {
                throw new IOException(file + ": not an adsml IVF index of format " + FORMAT);
            }
            if (header[5] != fingerprint) {
                return null;
            }
            long dim = header[2], lists = header[3], size = header[4];
            long expected = 6 * 8
                    + 4 * 4
                    + 8
                    + dim * dim * 4
                    + dim * 4
                    + lists * dim * 4
                    + (lists + 1) * 4
                    + size * (5 * 4 + 8)
                    + size * dim;
            if (dim < 1
                    || dim > MAX_DIM
                    || lists < 1
                    || lists > Integer.MAX_VALUE / dim
                    || size < 0
                    || size * dim > Integer.MAX_VALUE - 8
                    || expected != ch.size()) {
                throw new IOException(file + ": header (dim " + dim + ", lists " + lists + ", ads " + size
                        + ") does not match the file's " + ch.size() + " bytes");
            }
            return read(r, file, (int) dim, (int) lists, (int) size);
        }
    }

    private static IvfIndex read(Reader r, Path file, int dim, int lists, int size) throws IOException {
        int[] s = r.ints(4);
        double tolerance = Double.longBitsToDouble(r.longs(1)[0]);
        float[] rotation = r.floats(dim * dim);
        float[] scales = r.floats(dim);
        float[] centroids = r.floats(lists * dim);
        int[] start = r.ints(lists + 1);
        if (start[0] != 0 || start[lists] != size) {
            throw new IOException(file + ": list starts do not cover " + size + " ads");
        }
        int[] posAd = r.ints(size), posCampaign = r.ints(size), posCategory = r.ints(size), posWord = r.ints(size);
        long[] posInterests = r.longs(size);
        BitSet seen = new BitSet();
        for (int ad : posAd) {
            if (ad < 0 || ad > IvfIndex.MAX_AD_ID || seen.get(ad)) {
                throw new IOException(file + ": ad id " + ad + " is out of range or held twice");
            }
            seen.set(ad);
        }
        float[] posFactor = r.floats(size);
        byte[][] listCodes = new byte[lists][];
        for (int l = 0; l < lists; l++) {
            if (start[l + 1] < start[l]) {
                throw new IOException(file + ": list " + l + " ends before it starts");
            }
            listCodes[l] = r.bytes((start[l + 1] - start[l]) * dim);
        }
        try {
            return IvfIndex.of(
                    new IvfIndex.Settings(s[0], s[1], tolerance, s[2], s[3]),
                    new IvfIndex.Base(
                            dim,
                            centroids,
                            rotation,
                            scales,
                            start,
                            listCodes,
                            posFactor,
                            posAd,
                            posCampaign,
                            posCategory,
                            posWord,
                            posInterests));
        } catch (RuntimeException e) {
            throw new IOException(file + ": corrupt index (" + e.getMessage() + ")", e);
        }
    }

    private static final class Writer {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);

        Writer(FileChannel ch) {
            this.ch = ch;
        }

        void longs(long[] a) throws IOException {
            for (long v : a) {
                room(8);
                buf.putLong(v);
            }
        }

        void ints(int[] a) throws IOException {
            for (int i = 0; i < a.length; ) {
                room(4);
                int n = Math.min(a.length - i, buf.remaining() / 4);
                buf.asIntBuffer().put(a, i, n);
                buf.position(buf.position() + n * 4);
                i += n;
            }
        }

        void floats(float[] a) throws IOException {
            for (int i = 0; i < a.length; ) {
                room(4);
                int n = Math.min(a.length - i, buf.remaining() / 4);
                buf.asFloatBuffer().put(a, i, n);
                buf.position(buf.position() + n * 4);
                i += n;
            }
        }

        void bytes(byte[] a) throws IOException {
            for (int i = 0; i < a.length; ) {
                room(1);
                int n = Math.min(a.length - i, buf.remaining());
                buf.put(a, i, n);
                i += n;
            }
        }

        private void room(int bytes) throws IOException {
            if (buf.remaining() < bytes) {
                flush();
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }
    }

    private static final class Reader {
        private final FileChannel ch;
        private final Path file;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);

        Reader(FileChannel ch, Path file) {
            this.ch = ch;
            this.file = file;
            buf.limit(0);
        }

        long[] longs(int n) throws IOException {
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                need(8);
                a[i] = buf.getLong();
            }
            return a;
        }

        int[] ints(int n) throws IOException {
            int[] a = new int[n];
            for (int i = 0; i < n; ) {
                need(4);
                int k = Math.min(n - i, buf.remaining() / 4);
                buf.asIntBuffer().get(a, i, k);
                buf.position(buf.position() + k * 4);
                i += k;
            }
            return a;
        }

        float[] floats(int n) throws IOException {
            float[] a = new float[n];
            for (int i = 0; i < n; ) {
                need(4);
                int k = Math.min(n - i, buf.remaining() / 4);
                buf.asFloatBuffer().get(a, i, k);
                buf.position(buf.position() + k * 4);
                i += k;
            }
            return a;
        }

        byte[] bytes(int n) throws IOException {
            byte[] a = new byte[n];
            for (int i = 0; i < n; ) {
                need(1);
                int k = Math.min(n - i, buf.remaining());
                buf.get(a, i, k);
                i += k;
            }
            return a;
        }

        private void need(int bytes) throws IOException {
            if (buf.remaining() >= bytes) {
                return;
            }
            buf.compact();
            while (buf.position() < bytes) {
                if (ch.read(buf) < 0) {
                    throw new IOException(file + ": truncated index file");
                }
            }
            buf.flip();
        }
    }
}
